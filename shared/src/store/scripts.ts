/**
 * Lua run server-side by both Redis adapters (ioredis and Upstash), so a read over any number
 * of nodes is one round trip. Key names of per-node keys are built as `head .. nodeId .. tail`,
 * with head and tail cut from the key layout module (see `keyTemplate`), so this file never
 * spells a key itself.
 */
export interface LuaScript {
  readonly name: string;
  readonly source: string;
}

const script = (name: string, source: string): LuaScript => ({ name, source: source.trim() });

/**
 * KEYS: nodes. ARGV: node key head, tail, farewell key head, tail.
 * → flat [id, lastFlush, snapshot|nil, farewell|nil, …] in set order; the farewell is only looked up
 * for a node without a live snapshot.
 */
export const READ_NODES = script(
  'read-nodes',
  `
local members = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local out = {}
for i = 1, #members, 2 do
  local snapshot = redis.call('HGET', ARGV[1] .. members[i] .. ARGV[2], 'snapshot')
  local farewell = false
  if not snapshot then farewell = redis.call('HGET', ARGV[3] .. members[i] .. ARGV[4], 'snapshot') end
  out[#out + 1] = members[i]
  out[#out + 1] = members[i + 1]
  out[#out + 1] = snapshot
  out[#out + 1] = farewell
end
return out
`,
);

/**
 * Finds who a command goes to and publishes it on each one's own channel, in one round trip.
 * KEYS: nodes. ARGV: address ('live-nodes' | 'node' | 'socket-owner'), its subject (node id or
 * socket id, '' for live nodes), node key head, tail, sockets key head, tail, command channel
 * head, tail, the envelope JSON without its target (the target is spliced in as the first field),
 * the publish command ('PUBLISH', or 'SPUBLISH' on Redis Cluster: the channels share KEYS[1]'s slot).
 * → flat [node id, receivers, …]; receivers is what the publish counted (0: nobody listens there).
 * Live nodes are those whose snapshot hash has not expired; no owner → empty.
 */
export const PUBLISH_COMMAND = script(
  'publish-command',
  `
local address, subject = ARGV[1], ARGV[2]
local nodeHead, nodeTail, socketsHead, socketsTail = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local channelHead, channelTail, body, publish = ARGV[7], ARGV[8], ARGV[9], ARGV[10] or 'PUBLISH'
local function addressed(target)
  return '{"target":' .. cjson.encode(target) .. ',' .. string.sub(body, 2)
end
local function deliver(out, id, message)
  out[#out + 1] = id
  out[#out + 1] = redis.call(publish, channelHead .. id .. channelTail, message)
end
local out = {}
if address == 'node' then
  deliver(out, subject, addressed(subject))
elseif address == 'socket-owner' then
  for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
    if redis.call('HEXISTS', socketsHead .. id .. socketsTail, subject) == 1 then
      deliver(out, id, addressed(id))
      break
    end
  end
else
  local message = addressed('*')
  for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
    if redis.call('EXISTS', nodeHead .. id .. nodeTail) == 1 then deliver(out, id, message) end
  end
end
return out
`,
);

/** KEYS: nodes. ARGV: node head, node tail, sockets head, sockets tail, cutoff (exclusive). → pruned ids. */
export const PRUNE_NODES = script(
  'prune-nodes',
  `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[5])
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[1], id)
  redis.call('DEL', ARGV[1] .. id .. ARGV[2], ARGV[3] .. id .. ARGV[4])
end
return ids
`,
);

/**
 * One page of sockets across nodes, filtered server-side.
 * KEYS: nodes. ARGV: filters JSON {node?, namespace?, userId?, room?, search?}, sockets head,
 * sockets tail, cursor node, cursor HSCAN position, cursor skip, limit, scan budget, needles JSON
 * (substrings a match must contain: only those entries are decoded).
 * → { {node, scan, skip} | nil, {socket JSON, …} }.
 * Nodes are walked in id order; `skip` resumes inside an HSCAN batch that filled the page.
 * The budget bounds the work of one call: a page may come back short with a cursor.
 */
export const LIST_SOCKETS = script(
  'list-sockets',
  `
local f = cjson.decode(ARGV[1])
local head, tail = ARGV[2], ARGV[3]
local fromNode, scan, skip = ARGV[4], ARGV[5], tonumber(ARGV[6])
local limit, budget = tonumber(ARGV[7]), tonumber(ARGV[8])
local needles = cjson.decode(ARGV[9])
local decodeNeeded = f.namespace or f.userId or f.room or f.search
-- Unfiltered, a batch about the page size; filtered, larger batches amortize the HSCAN calls.
local count = decodeNeeded and 500 or math.max(limit, 32)

local function matches(field, value)
  if not decodeNeeded then return true end
  for _, needle in ipairs(needles) do
    if not string.find(value, needle, 1, true) then return false end
  end
  local ok, s = pcall(cjson.decode, value)
  if not ok or type(s) ~= 'table' then return false end
  if f.namespace and s.namespace ~= f.namespace then return false end
  if f.userId and s.userId ~= f.userId then return false end
  if f.room then
    local found = false
    if type(s.roomNames) == 'table' then
      for _, room in ipairs(s.roomNames) do
        if room == f.room then found = true break end
      end
    end
    if not found then return false end
  end
  if f.search then
    local user = type(s.userId) == 'string' and s.userId or ''
    if not string.find(field, f.search, 1, true) and not string.find(user, f.search, 1, true) then
      return false
    end
  end
  return true
end

local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
table.sort(ids)
local out = {}
local scanned = 0
for _, id in ipairs(ids) do
  if id >= fromNode and (f.node == nil or f.node == id) then
    if id ~= fromNode then scan = '0' skip = 0 end
    local key = head .. id .. tail
    repeat
      if scanned >= budget then return { { id, scan, skip }, out } end
      local reply = redis.call('HSCAN', key, scan, 'COUNT', count)
      local entries = reply[2]
      local matched = 0
      for i = 1, #entries, 2 do
        if matches(entries[i], entries[i + 1]) then
          matched = matched + 1
          if matched > skip then
            if #out >= limit then return { { id, scan, matched - 1 }, out } end
            out[#out + 1] = entries[i + 1]
          end
        end
      end
      scanned = scanned + #entries / 2
      scan = reply[1]
      skip = 0
    until scan == '0'
  end
end
return { false, out }
`,
);

/**
 * KEYS: presence hash. ARGV: node id, share JSON, ttl ms.
 * The hash is shared by every node holding the user: its TTL is only ever extended.
 */
export const SET_PRESENCE = script(
  'set-presence',
  `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return 1
`,
);

/** KEYS: audit stream. ARGV: max length, entry JSON. Exact cap: audit writes are rare. */
export const APPEND_AUDIT = script(
  'append-audit',
  `
return redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[1], '*', 'entry', ARGV[2])
`,
);

/** KEYS: audit stream. ARGV: exclusive upper id or '+', count. → flat [id, entry JSON, …] newest first. */
export const READ_AUDIT = script(
  'read-audit',
  `
local upper = ARGV[1] == '+' and '+' or '(' .. ARGV[1]
local entries = redis.call('XREVRANGE', KEYS[1], upper, '-', 'COUNT', ARGV[2])
local out = {}
for _, entry in ipairs(entries) do
  local fields = entry[2]
  local value = false
  for i = 1, #fields, 2 do
    if fields[i] == 'entry' then value = fields[i + 1] end
  end
  out[#out + 1] = entry[1]
  out[#out + 1] = value
end
return out
`,
);

/** KEYS: a hash. ARGV: field. */
export const HASH_FIELD = script('hash-field', `return redis.call('HGET', KEYS[1], ARGV[1])`);

/** KEYS: a hash. → flat [field, value, …]. */
export const HASH_ALL = script('hash-all', `return redis.call('HGETALL', KEYS[1])`);

/** KEYS: a list. → every element. */
export const LIST_ALL = script('list-all', `return redis.call('LRANGE', KEYS[1], 0, -1)`);

/**
 * Splits a per-node key builder into the head and tail around the node id, so Lua can
 * build the same key for any node without restating the layout.
 */
export function keyTemplate(build: (nodeId: string) => string): [head: string, tail: string] {
  const marker = '\u0000';
  const key = build(marker);
  const at = key.indexOf(marker);
  return [key.slice(0, at), key.slice(at + marker.length)];
}
