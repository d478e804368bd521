module minibase-bench/gin-gorm

go 1.19

// Built in GOPATH mode (GO111MODULE=off) against Debian's Go packages by bench/run. This file
// is only here so that the import path github.com/golang-jwt/jwt/v4 resolves to Debian's
// /usr/share/gocode/src/github.com/golang-jwt/jwt (Go's minimal module compatibility).
