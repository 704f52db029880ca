package seal_test

// Cross-implementation vectors (STYLE rule 19). All are public data.

// RFC 6962 reference vectors, as published in the Certificate Transparency
// reference implementation's Merkle tree tests (google/certificate-transparency
// merkle_tree_test, also transparency-dev/merkle testdata): eight leaves, the
// root of every prefix, and audit paths. Leaf indexes here are 0-based (the
// originals number leaves from 1).
var (
	rfcLeaves = []string{"", "00", "10", "2021", "3031", "40414243",
		"5051525354555657", "606162636465666768696a6b6c6d6e6f"}
	rfcRoots = []string{
		"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
		"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
		"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
		"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
		"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
		"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
		"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
	}
	rfcInclusion = []struct {
		index, size int64
		proof       []string
	}{
		{0, 1, nil},
		{0, 8, []string{
			"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
			"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
			"6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
		{5, 8, []string{
			"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
			"ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
			"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
	}
	rfcConsistency = []struct {
		older, newer int64
		proof        []string
	}{
		{1, 1, nil},
		{1, 8, []string{
			"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
			"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
			"6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
		{6, 8, []string{
			"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
			"ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
			"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
		{2, 5, []string{
			"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
			"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
	}
)

// Go checksum database (sum.golang.org) vectors: two signed tree notes and
// the lookup record of golang.org/x/mod v0.43.0 as served to the go command
// (kept in GOMODCACHE/cache/download/sumdb and GOPATH/pkg/sumdb), with the
// inclusion proof of that record and the consistency proof between the two
// trees, computed from the sumdb tiles the go command downloaded and checked
// against the signed roots. The verifier key is the one built into cmd/go.
const (
	sumdbVKey  = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"
	sumdbID    = 71056177
	sumdbText  = "golang.org/x/mod v0.43.0 h1:MFuq5J6s35W9D3IjkwyWc9vHh0nENOrt5K8Iof4ofmg=\ngolang.org/x/mod v0.43.0/go.mod h1:4ec1JnuyBz5+FIVhg86UsA39YG8BpnrZdJYSNHmGzHY=\n"
	sumdbNote1 = "go.sum database tree\n72097574\nTN5X3MLGTDFnVRn7RF0+aSqn9MdPDdly11pPObF1Ti8=\n\n— sum.golang.org Az3grqWEGn3sDlsyQ9ppBk0lZ6N+PyvyN98h/w05RN0Kd0gEPt5lnWXQ0GU4cdmhWiTJp6w7TVjS+LEx1xKeKQ+9EAk=\n"
	sumdbNote2 = "go.sum database tree\n72201322\nEgexwBZEbnq5RUm1/iCB9YaZXJigmqNqv84UGhzca4o=\n\n— sum.golang.org Az3grgqeI7FMbJBAcNpDpTFIES60VV4LLYXgz/af8SDCi8B0d95e5gO9eFD9HPP8yrjiF6Qnlts4rqGd8A74ZPhZlQo=\n"
)

var sumdbInclusion = []string{
	"yVRKbd31RTKWDIjmOIzJjFLDUssNMNChSfhur+hiWBU=",
	"nMxTLnMpyl9JHT0cuTkqepkuBMedRmEEQXOJXzr3Kls=",
	"FRkpa6KjxwQeiWnVL6Qv7Dhydlm9Wtz+F1NE07Zp5ng=",
	"pWsdcGSzRbIyxFws0sw8eJKbbQaAJlR5nEpR2unMYAs=",
	"+QzsKHSvwGujv/BYDcoG/bxcGY8+jpCIJkHQssT9hiA=",
	"ZwnXw3SLouHybAZ1sBOAIyQWVEG0F5RO8pMJmelqbX4=",
	"Z95smhPLzbsBZXd2/1741H0M4ETHJyT14NPV/aG+qVw=",
	"VBGNj5CA31urjAplVFTuKJzchskAL1HDUlPdqLfsHdg=",
	"+3UUWFU7zPnzb1oEBePNu7TMkASQM9+4UB6J4OVXtts=",
	"g7b3XUN51BzWS8Ybob1Ty1EeYMoKBABCVDRTUBAVpbk=",
	"SlTAAGi0/hczwL/hWMdY7IT3PEy5W40pto7zOn4+p0s=",
	"WfvZwrgItDn2JYnMNBjcetrFS1DZOWlkP9ZBP2Uyc7E=",
	"AMvJAfc2XzIYYYfXolMSiSAEbP7O5Rg99MNNMrDxG3o=",
	"DcwOBm5dmegXwUwtK5cdMGNhj8131j4rOb8a6Fb1sh0=",
	"kpxLxNn4p5idqTESnv7I/oBjgBVOpKwPgp4bYXxfUso=",
	"V7GjXaKhplIx9EBSCS7CQfunwT+XCc9PYptnhFE4zzs=",
	"8GWzDPtgNzPYxmv72Ce2/f1+kO194119wpV+pPImrgM=",
	"kCCAI9SRrNl0kTLsjhuwUvW/5LTn6BxfPs1hyZl3teY=",
	"2ZqBt1Z4TvkSSjr6nXKQjShQJ37A5gimOomWUISX+JY=",
	"nmReMJHOPO/7CGv+rMuo20zzbQPbiF2QfhreGV0GSEM=",
	"TxAwA410QpuPzflYtFNF0sQEG4FnSwKWZRKPLFJfMS0=",
	"L0EW1qxVIEx+umGnnFbV+gjS61ssUQPPA6JLNa+wZFY=",
	"efoPck3X+AsHcxIiimQqcLkwEMlOLD7/E3/vswXkxZ8=",
	"fwx0lGMWVFno5pj4ltKjpWrBN7WAudEmKKgwb2Fv3F0=",
}

var sumdbConsistency = []string{
	"tsgsUw0Pz0nODUlh8G0fMYRW3CtcGimaObgK7USQ0z4=",
	"D1+RDr/P6a8hPJmQxvJ6r0OUlMSJbXXOH3Tz+hq+pZg=",
	"KKtoUy14aVU/9LSac3qzmPndg8lUKdsEqg/7x5YGE6o=",
	"eU+64ld+jCJP9ZsiTHTG/JozNx0r8WgNAeZvytm/ZTQ=",
	"JHixt+SfBpjb9bOALhI03jzhEbk7Ao76AuY3WMu3gv4=",
	"ixcwa6hO7EzkK8b5YE6TDmljg2wNZlwWP1Hw1ChxgUI=",
	"ZV1ul/kcmQbk72+gWwN8TNLLv7CutISMzARultkTBo0=",
	"kfuUMd+X+SXwqPZI0hbQ6EpDNdn9J599tYVwFUYgl2U=",
	"PJZyX9uZ9jMOxoffEH4NIQ4s+A5/ONrUvox07zfgBdI=",
	"hh/mCEHIqqm2FCfi+h78BCp/hIKhWkOL9BbbVKctFIo=",
	"O5UFyoukg7ZzpqCEop7WrKwkZGlD95Jg7ej8Gtriq3U=",
	"f9epy9YKFaUo/A5OEsEmATpw+8RJjsC1XSmjct4vHGc=",
	"2abQd4z0sIeo4mYeBaaIjbMCK5x83F0pCkc/sqn7X1g=",
	"m6OhTtYocl1tUakuiRC+qqrM6E4LaxZpMet/sZyXi4s=",
	"jRqDu+GsI6gRiOcRgSIkLO+jSHG+LKU2w0SB0zpRVvE=",
	"NIu40DtXULPmsd8bRrJ4NMuMVj5TwO3VsBFbhnPZ5XY=",
	"lIF5wdga7s9JdGaYJCYELud+LHZNeP3XaTbP/s6UGr8=",
	"7vBRmwV16sxH3adc0jbQRqxBFSMBf2R4ShsH4ya2Ksc=",
	"HVTaL96uTDo0oUbUuvudFEUqxvylneJ2/aZbCU5jW/k=",
	"koAe/Neb2yDE4h7PelxXu/9gNYQyS6CMmoZU85GRYB8=",
	"fwx0lGMWVFno5pj4ltKjpWrBN7WAudEmKKgwb2Fv3F0=",
}

// Certificate Transparency vectors: responses of Google's Argon 2020 log
// (https://ct.googleapis.com/logs/argon2020/ct/v1/) to get-sth,
// get-entries?start=10000&end=10000, get-proof-by-hash and
// get-sth-consistency?first=3654490, as kept in golang.org/x/mod's
// sumdb/tlog/testdata/argon2020 for tlog's TestCertificateTransparency.
const (
	argonSize      = 961984013
	argonRoot      = "dwlueapdd7LaOEnX2W2Wp9v2XE+KzejHRQGHwEx0oaM="
	argonIndex     = 10000
	argonOldSize   = 3654490
	argonOldRoot   = "AuIZ5V6sDUj1vn3Y1K85oOaQ7y+FJJKtyRTl1edIKBQ="
	argonLeafInput = "" +
		"AAAAAAFelPhqUwAAAAViMIIFXjCCBEagAwIBAgIRAOodHzZdqWIFzYyl/SovhCMwDQYJKoZIhvcNAQELBQAwgZAxCzAJBgNV" +
		"BAYTAkdCMRswGQYDVQQIExJHcmVhdGVyIE1hbmNoZXN0ZXIxEDAOBgNVBAcTB1NhbGZvcmQxGjAYBgNVBAoTEUNPTU9ETyBD" +
		"QSBMaW1pdGVkMTYwNAYDVQQDEy1DT01PRE8gUlNBIERvbWFpbiBWYWxpZGF0aW9uIFNlY3VyZSBTZXJ2ZXIgQ0EwHhcNMTcw" +
		"MjE1MDAwMDAwWhcNMjAwNDE2MjM1OTU5WjBfMSEwHwYDVQQLExhEb21haW4gQ29udHJvbCBWYWxpZGF0ZWQxHTAbBgNVBAsT" +
		"FFBvc2l0aXZlU1NMIFdpbGRjYXJkMRswGQYDVQQDDBIqLmxhbmRsb3Jkcy5jb20uYXUwggEiMA0GCSqGSIb3DQEBAQUAA4IB" +
		"DwAwggEKAoIBAQCtPBKKHj4zdrGlCjgTHzb5gx9JCs97DwvBz60f14gDufF2haWbOxyJ0a3opAMsZnOr8HkARVCwxdqG/PTf" +
		"ACcb0QM7FOlzvxGqxataTYiChwvkkif8F9GlJw69HuHgzhusPf1Ytfk3ps1PRC14MkyrS4kwPrk/Le4XdkqRpRw62wG4V6Ik" +
		"bzsNMEOl1H8EgUbfyapdOcVxHjIzvBVy56fBRKG05Fr5wNq3Acak5kYZdNsLhhmlrqAfAjiombW3hb3V5blJdRC0BDdYHv2+" +
		"zKey6LqJ1FDoXo6IzbzPpC+aifZy47YX+/N1U64Qn5xlDg7mOP8JXfkNJHbU1TJZHif5AgMBAAGjggHhMIIB3TAfBgNVHSME" +
		"GDAWgBSQr2o6lFoL2JDqElZz30O0Oija5zAdBgNVHQ4EFgQUNQSLjkoz01I+iuuoC5lgEp0anhcwDgYDVR0PAQH/BAQDAgWg" +
		"MAwGA1UdEwEB/wQCMAAwHQYDVR0lBBYwFAYIKwYBBQUHAwEGCCsGAQUFBwMCME8GA1UdIARIMEYwOgYLKwYBBAGyMQECAgcw" +
		"KzApBggrBgEFBQcCARYdaHR0cHM6Ly9zZWN1cmUuY29tb2RvLmNvbS9DUFMwCAYGZ4EMAQIBMFQGA1UdHwRNMEswSaBHoEWG" +
		"Q2h0dHA6Ly9jcmwuY29tb2RvY2EuY29tL0NPTU9ET1JTQURvbWFpblZhbGlkYXRpb25TZWN1cmVTZXJ2ZXJDQS5jcmwwgYUG" +
		"CCsGAQUFBwEBBHkwdzBPBggrBgEFBQcwAoZDaHR0cDovL2NydC5jb21vZG9jYS5jb20vQ09NT0RPUlNBRG9tYWluVmFsaWRh" +
		"dGlvblNlY3VyZVNlcnZlckNBLmNydDAkBggrBgEFBQcwAYYYaHR0cDovL29jc3AuY29tb2RvY2EuY29tMC8GA1UdEQQoMCaC" +
		"EioubGFuZGxvcmRzLmNvbS5hdYIQbGFuZGxvcmRzLmNvbS5hdTANBgkqhkiG9w0BAQsFAAOCAQEACyHqxUzrexToY7tOv4+k" +
		"yGPP2D27P1tQpyzeAl1bPObiMhNK2b9vvBLDWAaqm8c0YL1h+DBdLoWzf3xFsIkTCVCjWJTNSNlcYtgRk6or1s7jWsfXzWqs" +
		"nPjPPmTIOCw7EfH7Yme3oxPs3UUsmShAgPwNohAtL9GqlqMiKM6v1WU3NHt01jEoNP23LRa6KeNK6AH6WHJykzL223IlhgXj" +
		"HTeuQj6lR+TNrQXJuhwTXYe+20rrpPQxc1Pn7AqnvfWgmicRQ7gdIcr4V6+ecTvLfNOaJ0ZYe5G5giuAAdTm7F57pk04f4gy" +
		"ZNYKrj88mvbkoriN8b6jcWExtrYO6bm2TwAA"
)

var argonInclusion = []string{
	"T46AmJsuOM/gFiGlUp+IJJebp+1Z5qratFNW7U0JyOQ=",
	"9Jj1Feodn42uRYEfffkV4HF/EIPFQ5Zo9IwkxbQ2uhk=",
	"D53/1oCNebF4J59HHgioovKZxrmrKcVuCVhy3Izg8Ck=",
	"wSFDgGSrsXRPA+1c8WHoAFCsWeUv8NDyP/Q/SgsyVyY=",
	"516/RcwsgdwdzHn18v1dJHqBkgFUbNhmCIWOGjsMJaE=",
	"naTFY2ajLFgrgs5XUl+zJYZnnlJksLGsA1VYwpLfqbY=",
	"mKBRJo6qao+0Kdh/rhGkZUbHUAxMhrtrclrTpIbNjIg=",
	"Co4ueOFE7lpifLio94irxxsv1wFMMaK3tPu2ZQkHlro=",
	"yRgy800K6JMYCC05sWfqF2kvCg2riT/pVM+nEa6V5+0=",
	"n2O38XJZC8/Wpbwi9HhgVizlUyeUHVZvYyQB1607MRc=",
	"go3tAjuNfNSCj87y2Rg1xOroDknGN1eaf3cgvzObf7Q=",
	"8D0Mj3/J7ySSnFb0afIHYXv6rlOhECnsebY6XKi1IR8=",
	"6rcez46ZU8M5vPiWVMAUfJfAOV0pPP/mch/lYzZhj/M=",
	"2rtIeXrPvSdUyHc5maIgSAVB2BzaKaupWxSAiVayDE4=",
	"nniW/IMFQPN5xw8UsHFn7CRStYbm1gLu7NNa6kkRqJQ=",
	"mRPPi7sQS22MduIEyvcNzCNFqIt6kLwYPkNKrVtIcu8=",
	"JvTivzESNS9wHI8aph5a7uieVmtS/p9PciMZ5D6GyOo=",
	"UTyQd+Ym0wY4zG+qK806bBORwi1CSVvFQ/KknnqoZj8=",
	"hXODrqN+ff+U6zPqRQ+ZQKs6im1fPcxIerDSfNwflhE=",
	"II6GE+WY/DrpZzfHztLwkR46o37zVkNLCyPYlf68zA0=",
	"d609kWWcNBllbA8Jb/ad4XAVVGnScLRmtP8FYyr+Dck=",
	"rikBsP0G0gioXRpBFED2CzQdSLrGPvRd0bEcbEZw1rI=",
	"GXIElfmnRuWfbA4z7ubV/UwlpSRUbUeec7oL5HDDnh0=",
	"pR0SH/NYP6s9+8azWwaeUXA4Ze/3WCIgMfh5YW6wvcE=",
	"f3GuAKYVrF8RBg3s15jvA/YvV9oAliWtzP/imwPhQVA=",
	"WHn8zDxlVgkV+lSlmzaOdfSBrTHoRr5nT3d76q0KKWE=",
	"f2uV2ZxVgULzLPKuZcowRY3ZY7fRlX59iDBjV1R8kNQ=",
	"NzQVjJsvQwbi7WStMr9oFkh9VbHfK7LB6o7WwAqwNTs=",
	"C0LttBeYHZHgL+032JIcJC3CTBIyza/hsbmJUgJfmDI=",
	"nixU5CWTFVDlF4BGdcU6kA7WSYurEpe9jRWc+F/7sOc=",
}

var argonConsistency = []string{
	"80Sfbj6UQEdVSZCSIgh9NMPj3vCBzcc1A48B2crJSWg=",
	"FZcrgAHUk6nNPviJZq8kEK6jCG1d18pJOFE45ZDc1TQ=",
	"Q67reWXmPBo1UfmwBap4Xi9PMPfFdUSSw3WGlRZdG7k=",
	"eJ7CyhR4PxzBxDIsWgrVYW1eFUb9ndgf46tFmiqVrxA=",
	"QrDwp062Grm5WY8KdrhFsBuuNjGzRox2Jb8PmVL5OYw=",
	"XM4YMjMEdLH/XJam/ZWyaP14k3cmsOtnPsOWQ54lW1s=",
	"SGiBh+jOTGccXU48ZzgQ88lRcBmtB4wz4oSDndv2QTg=",
	"WAS6txqNLYKGL1GdBdpqmV42TTfn6cJsuDsqLXuTCNI=",
	"QFmRS0rirUA7ZN3lxFjDncV+E1OCrn3NUB4RCp+5fzc=",
	"Hdbp7It2XBNZmNDBpCN/KPd7vfVqxgzwOosqVIaEA9E=",
	"mxvHL0ZiblBdD7j7pIa1jlfB0gSqfJ6oX0UGo7L0VsU=",
	"q5hjyvoW6TL/PThgcitpDcSTrnKX2p1+aqscqH2euRA=",
	"jTOWDqt3IHj2NVFeezyBz2ofpru+ztEywqKUAfFclKI=",
	"GIRn0w3HqJdvU9j1WVD//eR6lk2AaTVjyzjsJNP8U88=",
	"x52GJvxG81fnQBrgOTbll1A5tz95/LXK0Ag1NhB0r1I=",
	"6/0OqrcTgc3o5dD5PymmoC96lB9yLPFuTHVvLy8fSGk=",
	"Gf+iKLfcXO5l4JEFmsZvSdG5q1uEeWPfYLrds6pmjz0=",
	"DGuaco+McyM3AfRSF6qX7RwSetwe2ieYJmxw5e9rVx0=",
	"2tQJ9V32hnYp+fdpP6TcjmgJmLeNVOMKM0Ml1kk4cNU=",
	"3PapK+IkyJr8I9yAErAmzuZezzLMzsg+PfeRCgNW8NQ=",
	"s6xiYeejb+wtqHA+URJZ2I/SCPyIW8coP6aB00FJbMY=",
	"z9lSpmdTcr5M5ZzKlc4EPh3SrSypKFdk6JUF/UccaZU=",
	"GXIElfmnRuWfbA4z7ubV/UwlpSRUbUeec7oL5HDDnh0=",
	"pR0SH/NYP6s9+8azWwaeUXA4Ze/3WCIgMfh5YW6wvcE=",
	"f3GuAKYVrF8RBg3s15jvA/YvV9oAliWtzP/imwPhQVA=",
	"WHn8zDxlVgkV+lSlmzaOdfSBrTHoRr5nT3d76q0KKWE=",
	"f2uV2ZxVgULzLPKuZcowRY3ZY7fRlX59iDBjV1R8kNQ=",
	"NzQVjJsvQwbi7WStMr9oFkh9VbHfK7LB6o7WwAqwNTs=",
	"C0LttBeYHZHgL+032JIcJC3CTBIyza/hsbmJUgJfmDI=",
	"nixU5CWTFVDlF4BGdcU6kA7WSYurEpe9jRWc+F/7sOc=",
}
