// Makes `require('vscode')` return the stub. Import this first in a test file,
// before any module of the extension.

import Module = require('module');
import * as stub from './vscode';

type Load = (request: string, parent: unknown, isMain: boolean) => unknown;
const loader = Module as unknown as { _load: Load };
const original = loader._load;
loader._load = function (this: unknown, request: string, parent: unknown, isMain: boolean) {
  return request === 'vscode' ? stub : original.call(this, request, parent, isMain);
};

export = stub;
