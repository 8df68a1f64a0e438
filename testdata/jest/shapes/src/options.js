// Options read from the command line the process was started with, as a CLI module does.
module.exports = {
  inBand: process.argv.includes('--runInBand') || process.argv.includes('-i'),
  json: process.argv.includes('--json'),
};
