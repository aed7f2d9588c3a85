package store

import (
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// JobRun is the last run of a scheduled job.
type JobRun struct {
	Job        string
	StartedAt  time.Time
	FinishedAt time.Time // zero while it runs, or if it never finished
	Result     string    // what it did, in a few words
	Error      string    // why it failed; "" if it did not
}

// StartJob records that job started now. A run that never finishes (the
// process died) leaves FinishedAt zero.
func (tx *Tx) StartJob(job string) error {
	_, err := tx.exec(`INSERT INTO job_runs (job, started_at, finished_at, result, error) VALUES (?, ?, NULL, '', '')
		ON CONFLICT (job) DO UPDATE SET started_at = excluded.started_at, finished_at = NULL, result = '', error = ''`,
		job, formatTime(tx.now))
	if err != nil {
		return fmt.Errorf("record start of job %s: %w", job, err)
	}
	return nil
}

// FinishJob records the end of the job's current run.
func (tx *Tx) FinishJob(job, result, errText string) error {
	_, err := tx.exec(`UPDATE job_runs SET finished_at = ?, result = ?, error = ? WHERE job = ?`, formatTime(tx.now), result, errText, job)
	if err != nil {
		return fmt.Errorf("record end of job %s: %w", job, err)
	}
	return nil
}

// LastJobRun returns the job's last run, or ErrNotFound if it never ran.
func (tx *Tx) LastJobRun(job string) (JobRun, error) {
	r := JobRun{Job: job}
	err := tx.queryRow(`SELECT started_at, finished_at, result, error FROM job_runs WHERE job = ?`, job).
		Scan((*sqlTime)(&r.StartedAt), (*nullTime)(&r.FinishedAt), &r.Result, &r.Error)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return r, ErrNotFound
	case err != nil:
		return r, fmt.Errorf("read last run of job %s: %w", job, err)
	}
	return r, nil
}
