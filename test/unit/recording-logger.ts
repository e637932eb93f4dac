/** A Logger for tests that keeps every line, to assert what a handler logged (and what it did not). */
import type { Logger } from '../../handlers/shared/logger.js';

export interface LoggedLine {
  readonly level: string;
  readonly message: string;
  readonly fields?: Record<string, unknown>;
}

export function recordingLogger(): Logger & { lines: LoggedLine[] } {
  const lines: LoggedLine[] = [];
  const record = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    lines.push({ level, message, ...(fields ? { fields } : {}) });
  };
  return { lines, info: record('info'), warn: record('warn'), error: record('error') };
}
