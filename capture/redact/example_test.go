package redact_test

import (
	"fmt"

	"github.com/tracevault/tracevault/capture/redact"
)

func Example() {
	r := redact.Default()
	fmt.Println(r.String("DB_PASSWORD=hunter22 DB_USER=app"))
	fmt.Println(r.String("postgres://app:s3cret99@db:5432/x"))
	fmt.Println(r.String("aws_access_key_id = AKIAIOSFODNN7EXAMPLE")) // a documented example: kept
	fmt.Printf("%s\n", r.JSON([]byte(`{"tool":"Bash","env":{"client_secret":"Zk3vQ8pL2xW9mN4rT7yB"}}`)))
	// Output:
	// DB_PASSWORD=[REDACTED:password-assignment] DB_USER=app
	// postgres://app:[REDACTED:url-password]@db:5432/x
	// aws_access_key_id = AKIAIOSFODNN7EXAMPLE
	// {"tool":"Bash","env":{"client_secret":"[REDACTED:secret-assignment]"}}
}

func ExampleRedactor_Find() {
	in := []byte("token: ghp_r8Kq2LmZ0vT5xWn7Yb3Pc9Hd6Fg1Js4Ae2Nu")
	for _, f := range redact.Default().Find(in) {
		fmt.Println(f.Rule, f.Start, f.End)
	}
	// Output:
	// github-token 7 47
}
