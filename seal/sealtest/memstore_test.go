package sealtest

import (
	"testing"

	"github.com/tracevault/tracevault/seal"
)

func TestMemStore(t *testing.T) {
	Run(t, func(*testing.T) seal.HashStore { return NewMemStore() })
}
