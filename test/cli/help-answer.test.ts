import { describe, expect, it } from 'vitest';
import { commandHelp, helpAnswer, mainHelp } from '../../cli/help.js';

describe('helpAnswer: what the entry answers before it loads the CLI', () => {
  it('the main help: exit 2 with no command, 0 when asked for', () => {
    expect(helpAnswer([])).toEqual({ text: mainHelp, code: 2 });
    for (const ask of ['--help', '-h', 'help']) expect(helpAnswer([ask])).toEqual({ text: mainHelp, code: 0 });
  });

  it("a command's --help or -h anywhere before `--`", () => {
    expect(helpAnswer(['run', '--sandbox', '--help'])).toEqual({ text: commandHelp.run, code: 0 });
    expect(helpAnswer(['status', '-h'])).toEqual({ text: commandHelp.status, code: 0 });
    expect(helpAnswer(['sandbox', 'exec', '--', 'az', '--help'])).toBeUndefined();
  });

  it('no answer for a command to run, for workshop (its subcommands have their own help), or for a name every object has', () => {
    expect(helpAnswer(['run', '--sandbox'])).toBeUndefined();
    expect(helpAnswer(['workshop', '--help'])).toBeUndefined();
    expect(helpAnswer(['toString', '--help'])).toBeUndefined();
    expect(helpAnswer(['constructor', '-h'])).toBeUndefined();
  });
});
