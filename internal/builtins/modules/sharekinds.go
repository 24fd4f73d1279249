package modules

import (
	"github.com/mpstar/mpstar/internal/builtins"
	"github.com/mpstar/mpstar/internal/builtins/managers"
	"github.com/mpstar/mpstar/internal/builtins/mppool"
	"github.com/mpstar/mpstar/lib/collections"
)

// ShareKinds are the decoders of every value that crosses a process
// boundary by handle (builtins.Shareable), by kind: each package's own
// table, merged. interp passes it to every runtime as
// builtins.Config.ShareKinds, so a run's parent, children, pool workers
// and manager servers all decode the same kinds.
//
// A package with Shareable values of its own adds its table here.
var ShareKinds = mergeShareKinds(builtins.ShareKinds, managers.ShareKinds, mppool.ShareKinds, collections.ShareKinds)

// mergeShareKinds returns one table holding the entries of tables. A kind
// in two tables is a mistake in the assembly: one would shadow the other
// in every run, so it panics when the program starts.
func mergeShareKinds(tables ...map[string]builtins.ShareDecoder) map[string]builtins.ShareDecoder {
	all := map[string]builtins.ShareDecoder{}
	for _, t := range tables {
		for kind, dec := range t {
			if _, dup := all[kind]; dup {
				panic("modules: share kind " + kind + " is declared twice")
			}
			all[kind] = dec
		}
	}
	return all
}
