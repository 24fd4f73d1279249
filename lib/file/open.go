package file

// open() and the file object's methods.

import (
	"os"
	"strings"
	"syscall"

	"go.starlark.net/starlark"

	"github.com/mpstar/mpstar/internal/builtins/exceptions"
	"github.com/mpstar/mpstar/internal/builtins/pytypes"
	"github.com/mpstar/mpstar/internal/builtins/value"
	"github.com/mpstar/mpstar/lib/internal/gate"
	"github.com/mpstar/mpstar/lib/internal/oserror"
)

// Open is the predeclared open(path, mode="r", encoding=None, newline=None).
var Open = starlark.NewBuiltin("open", open)

func open(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var file starlark.Value
	mode := "r"
	var encoding, newline starlark.Value = starlark.None, starlark.None
	buffering := -1
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "file", &file, "mode?", &mode,
		"buffering?", &buffering, "encoding?", &encoding, "errors?", new(starlark.Value), "newline?", &newline); err != nil {
		return nil, err
	}
	path, err := oserror.PathOf(file)
	if err != nil {
		return nil, err // a TypeError, which UnpackArgs would not make
	}
	m, err := parseMode(mode)
	if err != nil {
		return nil, err
	}
	var c *codec
	var nl *string
	if m.binary {
		if encoding != starlark.None {
			return nil, exceptions.ValueError.New("binary mode doesn't take an encoding argument")
		}
		if newline != starlark.None {
			return nil, exceptions.ValueError.New("binary mode doesn't take a newline argument")
		}
	} else {
		if c, err = textCodec(encoding); err != nil {
			return nil, err
		}
		if nl, err = newlineArg(newline); err != nil {
			return nil, err
		}
	}
	fd, err := gate.Open(thread, path, m.flag, 0o666)
	if err != nil {
		return nil, oserror.From(err)
	}
	var st syscall.Stat_t
	statErr := syscall.Fstat(fd, &st)
	if statErr == nil && st.Mode&syscall.S_IFMT == syscall.S_IFDIR {
		syscall.Close(fd)
		return nil, oserror.Errno(syscall.EISDIR, path) // as CPython reports opening a directory
	}
	opened := newFile(newDescriptor(fd, path), path, mode, c, nl, m.readable, m.writable)
	if statErr == nil && st.Mode&syscall.S_IFMT == syscall.S_IFREG {
		opened.sizeHint = st.Size
	}
	return opened, nil
}

// openMode is a parsed mode string.
type openMode struct {
	flag               int
	binary             bool
	readable, writable bool
}

// parseMode checks a mode as CPython does: one of r w a x, at most one +,
// at most one of b t.
func parseMode(mode string) (openMode, error) {
	var m openMode
	var seen [128]bool // by character; open() is on the per-file path of scripts
	kinds := 0
	for _, c := range mode {
		if c >= 128 || seen[c] || !strings.ContainsRune("rwaxbt+", c) {
			return m, exceptions.ValueError.Errorf("invalid mode: '%s'", mode)
		}
		seen[c] = true
		if strings.ContainsRune("rwax", c) {
			kinds++
		}
	}
	switch {
	case kinds != 1:
		return m, exceptions.ValueError.New("must have exactly one of create/read/write/append mode")
	case seen['b'] && seen['t']:
		return m, exceptions.ValueError.New("can't have text and binary mode at once")
	}
	m.binary = seen['b']
	m.readable = seen['r'] || seen['+']
	m.writable = !seen['r'] || seen['+']
	switch {
	case seen['w']:
		m.flag = os.O_CREATE | os.O_TRUNC
	case seen['a']:
		m.flag = os.O_CREATE | os.O_APPEND
	case seen['x']:
		m.flag = os.O_CREATE | os.O_EXCL
	}
	switch {
	case m.readable && m.writable:
		m.flag |= os.O_RDWR
	case m.writable:
		m.flag |= os.O_WRONLY
	}
	return m, nil
}

// textCodec is the codec for open's encoding argument (None is UTF-8,
// CPython's default in UTF-8 mode and on every usual Linux locale).
func textCodec(encoding starlark.Value) (*codec, error) {
	if encoding == starlark.None {
		return codecs["utf-8"], nil
	}
	name, ok := encoding.(starlark.String)
	if !ok {
		return nil, exceptions.TypeError.Errorf("open() argument 'encoding' must be str or None, not %s", pytypes.TypeName(encoding))
	}
	return lookupCodec(string(name))
}

// newlineArg checks open's newline argument.
func newlineArg(newline starlark.Value) (*string, error) {
	if newline == starlark.None {
		return nil, nil
	}
	s, ok := newline.(starlark.String)
	if !ok {
		return nil, exceptions.TypeError.Errorf("open() argument 'newline' must be str or None, not %s", pytypes.TypeName(newline))
	}
	switch nl := string(s); nl {
	case "", "\n", "\r", "\r\n":
		return &nl, nil
	}
	return nil, exceptions.ValueError.Errorf("illegal newline value: %s", string(s))
}

var methods = value.NewMethods(func() map[string]*starlark.Builtin {
	return map[string]*starlark.Builtin{
		"read":       starlark.NewBuiltin("read", fileRead),
		"readline":   starlark.NewBuiltin("readline", fileReadline),
		"readlines":  starlark.NewBuiltin("readlines", fileReadlines),
		"write":      starlark.NewBuiltin("write", fileWrite),
		"writelines": starlark.NewBuiltin("writelines", fileWritelines),
		"flush":      starlark.NewBuiltin("flush", fileFlush),
		"close":      starlark.NewBuiltin("close", fileClose),
		"readable":   starlark.NewBuiltin("readable", fileReadable),
		"writable":   starlark.NewBuiltin("writable", fileWritable),
		"fileno":     starlark.NewBuiltin("fileno", fileFileno),
	}
})

// Attr implements starlark.HasAttrs.
func (f *File) Attr(name string) (starlark.Value, error) {
	switch name {
	case "closed":
		return starlark.Bool(f.closed), nil
	case "name":
		return starlark.String(f.name), nil
	case "mode":
		return starlark.String(f.mode), nil
	case "encoding":
		if f.codec != nil {
			return starlark.String(f.codec.name), nil
		}
	}
	return value.Attr(methods, f, name)
}

// AttrNames implements starlark.HasAttrs.
func (f *File) AttrNames() []string {
	if f.codec != nil {
		return value.AttrNames(methods, "closed", "mode", "name", "encoding")
	}
	return value.AttrNames(methods, "closed", "mode", "name")
}

// sizeArg unpacks the optional size of read and readline (None or -1:
// no limit).
func sizeArg(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (int, error) {
	var size starlark.Value = starlark.None
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 0, &size); err != nil {
		return 0, err
	}
	if size == starlark.None {
		return -1, nil
	}
	n, err := starlark.AsInt32(size)
	if err != nil {
		return 0, exceptions.TypeError.Errorf("argument should be integer or None, not '%s'", pytypes.TypeName(size))
	}
	return n, nil
}

// readCall returns the file of a read call and its size (or hint)
// argument, checking the argument first and then that the file is
// readable, as CPython does.
func readCall(b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (*File, int, error) {
	f := b.Receiver().(*File)
	n, err := sizeArg(b, args, kwargs)
	if err != nil {
		return nil, 0, err
	}
	return f, n, f.check(f.readable, "not readable")
}

// def read(size=-1)
func fileRead(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	f, n, err := readCall(b, args, kwargs)
	if err != nil {
		return nil, err
	}
	var data []byte
	if n < 0 {
		data, err = f.readAll()
	} else {
		data, err = f.readN(n)
	}
	if err != nil {
		return nil, err
	}
	return f.value(data), nil
}

// def readline(size=-1)
func fileReadline(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	f, n, err := readCall(b, args, kwargs)
	if err != nil {
		return nil, err
	}
	line, err := f.readline(n)
	if err != nil {
		return nil, err
	}
	return f.value(line), nil
}

// def readlines(hint=-1): every line left; reading stops after the line
// that brings the total past hint, when hint > 0.
func fileReadlines(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	f, hint, err := readCall(b, args, kwargs)
	if err != nil {
		return nil, err
	}
	var lines []starlark.Value
	for total := 0; hint <= 0 || total < hint; {
		line, err := f.readline(-1)
		if err != nil {
			return nil, err
		}
		if len(line) == 0 {
			break
		}
		total += len(line)
		lines = append(lines, f.value(line))
	}
	return starlark.NewList(lines), nil
}

// def write(s)
func fileWrite(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	f := b.Receiver().(*File)
	var v starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &v); err != nil {
		return nil, err
	}
	if err := f.check(f.writable, "not writable"); err != nil {
		return nil, err
	}
	n, err := f.write(v)
	if err != nil {
		return nil, err
	}
	return starlark.MakeInt(n), nil
}

// def writelines(lines): writes each item; no line ends are added.
func fileWritelines(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	f := b.Receiver().(*File)
	var lines starlark.Iterable
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &lines); err != nil {
		return nil, err
	}
	if err := f.check(f.writable, "not writable"); err != nil {
		return nil, err
	}
	it := lines.Iterate()
	defer it.Done()
	var v starlark.Value
	for it.Next(&v) {
		if _, err := f.write(v); err != nil {
			return nil, err
		}
	}
	return starlark.None, nil
}

// def flush(): writes are not buffered in the process, so there is nothing
// to flush but the check that the file is open.
func fileFlush(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	f := b.Receiver().(*File)
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return starlark.None, f.check(true, "")
}

// def close()
func fileClose(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return starlark.None, b.Receiver().(*File).close()
}

// def readable()
func fileReadable(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	f := b.Receiver().(*File)
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return starlark.Bool(f.readable), f.check(true, "")
}

// def writable()
func fileWritable(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	f := b.Receiver().(*File)
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	return starlark.Bool(f.writable), f.check(true, "")
}

// def fileno()
func fileFileno(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	f := b.Receiver().(*File)
	if err := value.NoArgs(b.Name(), args, kwargs); err != nil {
		return nil, err
	}
	if err := f.check(true, ""); err != nil {
		return nil, err
	}
	return starlark.MakeInt(int(f.f.Fd())), nil
}

// OSFile returns the open *os.File under a file object (subprocess passes
// it to a command as its stdin or stdout), or an error once it is closed.
func (f *File) OSFile() (*os.File, error) {
	if err := f.check(true, ""); err != nil {
		return nil, err
	}
	if d, ok := f.f.(*descriptor); ok {
		return d.osFile(), nil
	}
	return f.f.(*os.File), nil
}
