package main

import (
	"context"
	"errors"
)

func (e *environment) run(ctx context.Context, args []string) error { return errors.New("not yet") }

func (e *environment) loadtest(ctx context.Context, args []string) error { return errors.New("not yet") }
