// Command migrate applies the SDK's migrations to the PostgreSQL database
// named by its argument, for the pgbench comparison in ../run.sh.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/switchboardkit/switchboard/storage/bunstore"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: migrate postgres://…")
		os.Exit(2)
	}
	ctx := context.Background()
	st, err := bunstore.OpenPostgres(ctx, os.Args[1])
	if err == nil {
		err = st.Migrate(ctx)
		_ = st.Close()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
