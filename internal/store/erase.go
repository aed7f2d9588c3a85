package store

import "fmt"

// ErasePerson erases the person: their row, and through ON DELETE CASCADE
// everything that names them (answers and their history, conversation,
// consents, reminders, links, referral). Assets they added stay on the map,
// no longer naming them.
//
// This is the retention branch's minimal stand-in with the signature the
// erasure work (issue 18) provides; that version replaces it at merge.
func (tx *Tx) ErasePerson(personID int64) error {
	res, err := tx.exec(`DELETE FROM people WHERE id = ?`, personID)
	if err != nil {
		return fmt.Errorf("erase person %d: %w", personID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("erase person %d: %w", personID, ErrNotFound)
	}
	return nil
}
