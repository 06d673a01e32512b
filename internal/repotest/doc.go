// Package repotest holds checks that span the whole repository: every Go
// package has a package doc comment, and git tracks no compiled executable
// and no file over 1 MiB.
package repotest
