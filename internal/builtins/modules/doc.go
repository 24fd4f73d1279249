// Package modules assembles what a script sees: the multiprocessing module
// and its submodules, and the one list of predeclared names (Predeclared);
// and what its processes exchange: the one table of share decoders
// (ShareKinds). It sits above every package that defines builtins (the
// core, managers, mppool, pytypes, lib/*), and interp passes Predeclared
// and ShareKinds to each runtime it makes; load() accepts any predeclared
// module or submodule by its dotted name, and interp's "no module named"
// error lists them from the same place.
//
// Adding a module is one line in Predeclared: a lib/<name> package that
// exports its module value (see lib/time) or a constructor for a per-run one
// (lib/sys, lib/random).
package modules
