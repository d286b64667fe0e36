// A numbered flow that shows where you are: every step's number and name, the current one marked
// (aria-current="step"), finished ones ticked; and the heading of the step on screen says "Step 2 of 3: …".
import "../ui/guide.css";

export interface StepListProps {
  /** What the steps are for, for screen readers ("Steps to connect with the GitHub App"). */
  label: string;
  steps: readonly string[];
  /** 1-based; steps before it are done. */
  current: number;
}

export function StepList({ label, steps, current }: StepListProps) {
  return (
    <ol class="steps" aria-label={label}>
      {steps.map((step, i) => {
        const n = i + 1;
        const state = n < current ? "done" : n === current ? "current" : "todo";
        return (
          <li key={step} class={state} aria-current={state === "current" ? "step" : undefined}>
            <span class="step-number" aria-hidden="true">{state === "done" ? "✓" : n}</span>
            {step}
            {state === "done" && <span class="visually-hidden"> (done)</span>}
          </li>
        );
      })}
    </ol>
  );
}

/** "Step 2 of 3: Install the App on your repository". */
export function stepTitle(steps: readonly string[], n: number): string {
  return `Step ${n} of ${steps.length}: ${steps[n - 1] ?? ""}`;
}
