/**
 * A counting map built without a prototype, returned as an ordinary object (`constructor` or
 * `__proto__` stay own keys): workerd's RPC refuses to serialize prototype-less objects.
 */
export function plainCounts(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts));
}
