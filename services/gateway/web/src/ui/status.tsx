// A task's status as a badge (text, not colour alone) and its progress as a labelled bar.
import type { Task, TaskStatus } from '../api';

export function StatusBadge({ status, phase }: { status: TaskStatus; phase?: Task['phase'] }) {
  const label = phase === 'awaiting_provider' ? 'running · at provider' : phase === 'ingesting' ? 'running · saving outputs' : status;
  return <span class={`badge badge-${status}`} data-status={status}>{label}</span>;
}

export function Progress({ value, label }: { value: number; label: string }) {
  const v = Math.max(0, Math.min(100, Math.round(value)));
  return (
    <span class="progress">
      <progress max={100} value={v} aria-label={label} />
      <span class="progress-text">{v}%</span>
    </span>
  );
}
