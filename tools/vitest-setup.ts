/**
 * Global test setup: bounds every fast-check run (including the shrinking of
 * a counterexample) to 60 s, so a failing property reports instead of
 * shrinking for the rest of the CI budget.
 */
import fc from 'fast-check';

fc.configureGlobal({ interruptAfterTimeLimit: 60_000, markInterruptAsFailure: true });
