import { definePlugin } from '../../src/plugins/plugin-api.js';
import { Notebook } from './notebook.js';
import { copyNotes } from './modules/notes/copy.tool.js';
import { deleteNote } from './modules/notes/delete.tool.js';
import { listNotes } from './modules/notes/list.tool.js';
import { writeNote } from './modules/notes/write.tool.js';
import { echo } from './modules/util/echo.tool.js';
import { noop } from './modules/util/noop.tool.js';
import { slow } from './modules/util/slow.tool.js';
import { stall } from './modules/util/stall.tool.js';

export interface DemoSettings {
  maxNotes: number;
}

/** Each load gets a fresh notebook: state lives in the plugin instance, never in the module. */
export default definePlugin<DemoSettings>((api) => {
  const notebook = new Notebook(api.settings.maxNotes);
  api.register(echo, noop, slow, stall);
  api.register(writeNote(notebook), listNotes(notebook), copyNotes(notebook), deleteNote(notebook));
});
