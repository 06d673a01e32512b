package repotest

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// maxTracked is the largest file git may track: anything bigger is build
// output, a data set or a binary that belongs elsewhere.
const maxTracked = 1 << 20

// No executable and no file over 1 MiB is tracked in git: a compiled
// binary committed by mistake (as edgeload once was) fails here, naming
// the file and how to take it out.
func TestNoTrackedBinariesOrLargeFiles(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed: cannot list the tracked files to look for binaries and large files")
	}
	if _, err := os.Stat(filepath.Join(root, ".git")); err != nil {
		t.Skipf("%s is not a git checkout (no .git): no tracked files to check", root)
	}
	files, err := trackedFiles(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 100 {
		t.Fatalf("git lists only %d tracked files: wrong root?", len(files))
	}
	problems, err := checkTracked(root, files)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
}

// The check finds a binary, a large file and an executable non-script in
// a repository made for the test, and passes scripts and small text.
func TestCheckTrackedFindsBinaries(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed: cannot make a repository to check")
	}
	dir := t.TempDir()
	for name, c := range map[string]struct {
		data []byte
		mode os.FileMode
	}{
		"edgeload":     {append([]byte("\x7fELF\x02\x01\x01"), make([]byte, 100)...), 0o755},
		"data/big.bin": {make([]byte, maxTracked+1), 0o644},
		"tool":         {[]byte("not a script\n"), 0o755},
		"run.sh":       {[]byte("#!/bin/sh\necho ok\n"), 0o755},
		"README.md":    {[]byte("# hello\n"), 0o644},
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, c.data, c.mode); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{{"init", "-q"}, {"add", "."}} {
		if _, err := git(dir, nil, args...); err != nil {
			t.Fatal(err)
		}
	}
	files, err := trackedFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	problems, err := checkTracked(dir, files)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(problems, "\n")
	for _, want := range []string{
		"edgeload: a compiled executable (ELF) is tracked in git: remove it from git (git rm --cached edgeload), delete it, and add it to .gitignore",
		"data/big.bin: 1048577 bytes tracked in git, more than 1048576 (1 MiB)",
		"tool: tracked with the executable bit but is no script",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the problems do not say %q; they are:\n%s", want, got)
		}
	}
	if len(problems) != 3 {
		t.Errorf("%d problems, want 3:\n%s", len(problems), got)
	}
}

// checkTracked says what is wrong with each tracked file: over 1 MiB, a
// compiled executable, or the executable bit on what is no script.
func checkTracked(root string, files []trackedFile) ([]string, error) {
	const fix = "remove it from git (git rm --cached %s), delete it, and add it to .gitignore; build output goes to bin/"
	var problems []string
	for _, f := range files {
		if f.size > maxTracked {
			problems = append(problems, fmt.Sprintf("%s: %d bytes tracked in git, more than %d (1 MiB): "+fix, f.path, f.size, maxTracked, f.path))
		}
		head, err := readHead(filepath.Join(root, filepath.FromSlash(f.path)))
		if errors.Is(err, os.ErrNotExist) {
			continue // deleted in the work tree, not yet in git
		}
		if err != nil {
			return nil, err
		}
		if kind := executableFormat(head); kind != "" {
			problems = append(problems, fmt.Sprintf("%s: a compiled executable (%s) is tracked in git: "+fix, f.path, kind, f.path))
		} else if f.mode == "100755" && !bytes.HasPrefix(head, []byte("#!")) {
			problems = append(problems, fmt.Sprintf("%s: tracked with the executable bit but is no script (no #! line): "+
				"if it is a binary, "+fix+"; else drop the bit (git update-index --chmod=-x %s)", f.path, f.path, f.path))
		}
	}
	return problems, nil
}

type trackedFile struct {
	path string
	mode string // git's: 100644, 100755, 120000 (symlink), 160000 (submodule)
	size int64  // of the blob git tracks
}

// trackedFiles lists the regular files in git's index with their mode and
// the size of the blob the index holds.
func trackedFiles(root string) ([]trackedFile, error) {
	out, err := git(root, nil, "ls-files", "-s", "-z")
	if err != nil {
		return nil, err
	}
	var files []trackedFile
	var objects bytes.Buffer
	for _, rec := range strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00") {
		// <mode> SP <object> SP <stage> TAB <path>
		meta, path, ok := strings.Cut(rec, "\t")
		fields := strings.Fields(meta)
		if !ok || len(fields) != 3 {
			return nil, fmt.Errorf("git ls-files -s: cannot read %q", rec)
		}
		if fields[0] != "100644" && fields[0] != "100755" {
			continue
		}
		files = append(files, trackedFile{path: path, mode: fields[0]})
		objects.WriteString(fields[1] + "\n")
	}
	out, err = git(root, &objects, "cat-file", "--batch-check=%(objectsize)")
	if err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for i := range files {
		if !sc.Scan() {
			return nil, fmt.Errorf("git cat-file: %d sizes for %d files", i, len(files))
		}
		if files[i].size, err = strconv.ParseInt(sc.Text(), 10, 64); err != nil {
			return nil, fmt.Errorf("git cat-file: size of %s: %q", files[i].path, sc.Text())
		}
	}
	return files, nil
}

func git(dir string, stdin io.Reader, args ...string) ([]byte, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Stdin = stdin
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// readHead is the first bytes of a file, enough for executableFormat.
func readHead(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, 512)
	n, err := io.ReadFull(f, b)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return b[:n], nil
}

// executableFormat names the executable format whose magic number b starts
// with: ELF, Mach-O (thin or universal) or PE; "" for none.
func executableFormat(b []byte) string {
	if len(b) < 4 {
		return ""
	}
	switch {
	case bytes.HasPrefix(b, []byte("\x7fELF")):
		return "ELF"
	case bytes.HasPrefix(b, []byte{0xfe, 0xed, 0xfa, 0xce}), bytes.HasPrefix(b, []byte{0xfe, 0xed, 0xfa, 0xcf}),
		bytes.HasPrefix(b, []byte{0xce, 0xfa, 0xed, 0xfe}), bytes.HasPrefix(b, []byte{0xcf, 0xfa, 0xed, 0xfe}):
		return "Mach-O"
	case bytes.HasPrefix(b, []byte{0xca, 0xfe, 0xba, 0xbe}):
		return "Mach-O universal"
	case bytes.HasPrefix(b, []byte("MZ")) && len(b) >= 0x40:
		// a PE file: the DOS header points at "PE\0\0" at 0x3c
		off := binary.LittleEndian.Uint32(b[0x3c:])
		if int(off)+4 <= len(b) && bytes.Equal(b[off:off+4], []byte("PE\x00\x00")) {
			return "PE"
		}
	}
	return ""
}

// The detector knows the formats Go builds for the platforms it ships to.
func TestExecutableFormat(t *testing.T) {
	pe := make([]byte, 0x90)
	copy(pe, "MZ")
	binary.LittleEndian.PutUint32(pe[0x3c:], 0x80)
	copy(pe[0x80:], "PE\x00\x00")
	for _, c := range []struct {
		name string
		head []byte
		want string
	}{
		{"elf", []byte("\x7fELF\x02\x01\x01"), "ELF"},
		{"mach-o 64", []byte{0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1}, "Mach-O"},
		{"mach-o universal", []byte{0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2}, "Mach-O universal"},
		{"pe", pe, "PE"},
		{"text starting MZ", []byte("MZ is a text file that happens to start with these letters, long enough for a header"), ""},
		{"script", []byte("#!/usr/bin/env bash\n"), ""},
		{"short", []byte("ab"), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := executableFormat(c.head); got != c.want {
				t.Errorf("executableFormat = %q, want %q", got, c.want)
			}
		})
	}
}
