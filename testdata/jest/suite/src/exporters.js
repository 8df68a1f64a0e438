// Export formats, registered at run time: nothing is registered until a test does it.
const registered = new Map();

module.exports = {
  register(name, render) {
    registered.set(name, render);
  },
  run(name, rows) {
    const render = registered.get(name);
    if (!render) {
      throw new Error(`unknown export format: ${name}`);
    }
    return render(rows);
  },
};
