// Agent hook glue (CommonJS). // want: -
"use strict";

const fs = require("fs");
const path = require("path");

const SPOOL = ".git/tracevault/spool"; // want: -

function readStdin() { // want: function readStdin
  return new Promise((resolve, reject) => { // want: function readStdin
    let data = "";
    process.stdin.on("data", (chunk) => { // want: function readStdin
      data += chunk;
    });
    process.stdin.on("end", () => resolve(data));
    process.stdin.on("error", reject); // want: function readStdin
  });
} // want: function readStdin

const append = async (root, record) => { // want: function append
  const file = path.join(root, SPOOL);
  await fs.promises.appendFile(file, JSON.stringify(record) + "\n"); // want: function append
}; // want: function append

let parse = function parseLenient(text) { // want: function parse
  try {
    return JSON.parse(text);
  } catch {
    return {}; // want: function parse
  }
};

class Hook { // want: class Hook
  #seen = 0; // want: class Hook
  static kind = "claude";

  constructor(root) { // want: constructor Hook.constructor
    this.root = root;
  }

  get seen() { // want: method Hook.seen
    return this.#seen;
  }

  handle = async (payload) => { // want: method Hook.handle
    this.#seen++;
    await append(this.root, payload); // want: method Hook.handle
  };

  *events(list) { // want: method Hook.events
    for (const e of list) yield e;
  }
} // want: class Hook

Hook.prototype.describe = function () { // want: function Hook.prototype.describe
  return `hook(${this.root})`;
}; // want: function Hook.prototype.describe

const Mixin = class { // want: class Mixin
  mixed() { // want: method Mixin.mixed
    return true;
  }
};

function* batches(items, n) { // want: function batches
  for (let i = 0; i < items.length; i += n) {
    yield items.slice(i, i + n);
  }
}

module.exports = { // want: -
  readStdin,
  run: async () => { // want: method module.exports.run
    const text = await readStdin();
    await new Hook(process.cwd()).handle(parse(text));
  },
  batches,
};
