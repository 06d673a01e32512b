// Package repotest holds checks that span the whole repository, such as
// every Go package having a package doc comment.
package repotest
