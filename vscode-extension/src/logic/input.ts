// Pure: the test input JSON typed by the user.

/** The message shown under the input box, or undefined when the text is a valid JSON object. */
export function validateInputJson(text: string): string | undefined {
  const t = text.trim();
  if (t === '') return 'Enter a JSON object, e.g. {"name": "Ada"}';
  let value: unknown;
  try {
    value = JSON.parse(t);
  } catch (e) {
    return `Not valid JSON: ${(e as Error).message}`;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return 'The input must be a JSON object ({...}), not ' + (Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value);
  }
  return undefined;
}

/** Parses text already accepted by validateInputJson. */
export function parseInputJson(text: string): Record<string, unknown> {
  const problem = validateInputJson(text);
  if (problem) throw new Error(problem);
  return JSON.parse(text.trim()) as Record<string, unknown>;
}

/** A one-line preview of an input for the quick pick. */
export function previewInput(input: Record<string, unknown>, max = 60): string {
  const s = JSON.stringify(input);
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}
