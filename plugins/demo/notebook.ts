/** The demo plugin's state: one in-memory notebook per environment name, created with the plugin instance. */
export interface Note {
  key: string;
  text: string;
  revision: number;
}

export class Notebook {
  private readonly pages = new Map<string, Map<string, Note>>();

  constructor(readonly maxNotes: number) {}

  notes(environment: string): Map<string, Note> {
    let page = this.pages.get(environment);
    if (!page) this.pages.set(environment, (page = new Map()));
    return page;
  }

  get(environment: string, key: string): Note | undefined {
    return this.notes(environment).get(key);
  }

  /** Creates or replaces a note, bumping its revision; undefined when the notebook is full. */
  put(environment: string, key: string, text: string): Note | undefined {
    const page = this.notes(environment);
    const old = page.get(key);
    if (!old && page.size >= this.maxNotes) return undefined;
    const note = { key, text, revision: (old?.revision ?? 0) + 1 };
    page.set(key, note);
    return note;
  }

  delete(environment: string, key: string): boolean {
    return this.notes(environment).delete(key);
  }

  isFull(environment: string): boolean {
    return this.notes(environment).size >= this.maxNotes;
  }
}

/** Shared input schema pieces. */
export const NOTE_KEY = { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,63}$', description: 'Lowercase key: letters, digits, dashes.' };
export const NOTE_TEXT = { type: 'string', maxLength: 10000 };
