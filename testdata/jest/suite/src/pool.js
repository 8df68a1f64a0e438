// A connection pool with room for two: a test that forgets to release leaks a slot.
const capacity = 2;
let open = 0;

module.exports = {
  acquire() {
    if (open >= capacity) {
      throw new Error(`connection pool exhausted (${open} of ${capacity} open)`);
    }
    open += 1;
    return { release: () => (open -= 1) };
  },
};
