package flow

// Current returns the prompt for the question being asked; ok is false if
// nothing is being asked. The tests use it to see how a state renders.
func Current(f *Flow, st State, env Env) (Prompt, bool) {
	s := f.Step(st.Step)
	if st.Status != StatusActive || s == nil {
		return Prompt{}, false
	}
	return prompt(f, st, env, s, ""), true
}
