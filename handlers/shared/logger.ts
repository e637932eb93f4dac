/** Structured JSON logs, one line each, so CloudWatch Logs Insights can query them by field. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export function jsonLogger(service: string, write: (line: string) => void = console.log): Logger {
  const emit =
    (level: string) =>
    (message: string, fields: Record<string, unknown> = {}) => {
      write(JSON.stringify({ level, service, message, timestamp: new Date().toISOString(), ...fields }));
    };
  return { info: emit('INFO'), warn: emit('WARN'), error: emit('ERROR') };
}

/** For local runs where the log lines would only be noise. */
export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };
