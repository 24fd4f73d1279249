// Command nochildmain is a host that forgets to call interp.ChildMain: the
// test of that mistake runs it.
package main

import (
	"fmt"
	"os"

	"github.com/mpstar/mpstar/interp"
)

func main() {
	err := interp.RunString("job.star", `
load("multiprocessing", "Process", "Pool")

def work(x):
    return x

if __name__ == "__main__":
    p = Process(target=work, args=(1,))
    p.start()
    p.join()
    print("exitcode", p.exitcode)
    pool = Pool(8)
    print(catch(pool.map, work, range(8))[1] != None)
`, interp.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(interp.ExitCode(err))
}
