// Package sandbox confines a process with the kernel, so that a limit holds
// in every process of a run and in every program those processes execute,
// whatever the code running there does.
//
// Grants (grants.go) say what a run may touch — paths to read and write,
// programs to run, hosts and ports, environment variables — as Deno's
// --allow-* flags do. The embedding layer checks them before each
// operation (a refusal is a DeniedError, raised as PermissionError) and
// hands them to the kernel as a Policy. Two kernel layers:
//
//   - Landlock (landlock.go): a Policy lists what may be read, written and
//     executed, which TCP ports may be bound or connected to, and whether
//     abstract Unix sockets and signals are scoped to the run. Restrict
//     turns it into a Landlock ruleset for the kernel's ABI (rights a
//     kernel lacks are dropped, best effort, as go-landlock does) and
//     applies it to every thread of the process. Landlock domains are
//     inherited across fork and exec and can only be narrowed, so children
//     and the programs they run can never widen what their parent had.
//   - Resource limits (rlimit.go): Limits sets the rlimits of the process
//     (address space, CPU seconds, open files), which children
//     and their programs inherit.
//
// Restricting every thread needs syscall.AllThreadsSyscall, which Go
// refuses in binaries that link cgo (the race detector links it). There
// Restrict confines the calling thread and re-executes the program from it
// (RestrictExec), so that the new image starts inside the domain.
//
// Nothing here knows of Starlark: the embedding layer parses the flags,
// carries the grants to every child and raises the errors.
package sandbox
