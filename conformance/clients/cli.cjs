// Command-line parsing shared by the conformance clients: `--name value` options (the names in `repeatable`
// collect every value into an array) and positional arguments.
function parseArgs(argv, repeatable = []) {
  const opts = { positional: [] };
  for (const name of repeatable) opts[name] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      opts.positional.push(arg);
      continue;
    }
    const name = arg.slice(2);
    if (i + 1 >= argv.length) throw new Error(`missing value for ${arg}`);
    const value = argv[++i];
    if (repeatable.includes(name)) opts[name].push(value);
    else opts[name] = value;
  }
  return opts;
}

function required(opts, ...names) {
  for (const name of names) {
    if (opts[name] === undefined) throw new Error(`--${name} is required`);
  }
}

module.exports = { parseArgs, required };
