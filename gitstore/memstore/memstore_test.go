package memstore_test

import (
	"testing"

	"github.com/tracevault/tracevault/gitstore"
	"github.com/tracevault/tracevault/gitstore/memstore"
	"github.com/tracevault/tracevault/gitstore/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) gitstore.Store { return memstore.New() })
}
