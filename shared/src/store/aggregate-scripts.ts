import type { ClusterKeys } from '../keys/index.ts';
import { NODE_SET_TTL_MS } from './codec.ts';
import { keyTemplate, type LuaScript } from './scripts.ts';

/**
 * Lua for the cluster-wide aggregates (see `aggregates.ts` for the structures and why). Every
 * script that touches them takes the same leading block, so one library serves them all:
 * KEYS[1] the node set, KEYS[2..9] the aggregate keys; ARGV[1..8] the heads and tails of the
 * per-namespace indexes and of each node's contribution hashes. Per-node and per-namespace keys
 * are built from those templates, so they carry the cluster's hash tag like KEYS[1].
 */

const script = (name: string, body: string): LuaScript => ({ name, source: `${LIBRARY}\n${body.trim()}` });

/** KEYS and the leading ARGV every aggregate script takes. */
export function aggregateBlock(keys: ClusterKeys): { keys: string[]; args: string[] } {
  const a = keys.aggregates;
  return {
    keys: [
      keys.nodes,
      a.roomsBySize,
      a.roomsByName,
      a.roomPrefixes,
      a.namespaceRooms,
      a.namespaceMembers,
      a.usersOnline,
      a.usersAway,
      a.totals,
    ],
    args: [
      ...keyTemplate(a.namespaceRoomsBySize),
      ...keyTemplate(a.namespaceRoomsByName),
      ...keyTemplate(keys.nodeRooms),
      ...keyTemplate(keys.nodeUsers),
    ],
  };
}

/**
 * A room is `<namespace>\n<name>` in the cluster indexes; a node's contribution holds
 * `<size>:<prefix>` per room and `o` / `a` per user. A room's cluster size is the sum of its
 * nodes' local sizes (it exists while that is positive); a user is online while some node reports
 * them online, away while some node reports away and none online — counted by reference counts,
 * so `totals` changes only when a room or a user appears or goes.
 */
const LIBRARY = `
local NL = string.char(10)
local bySize, byName, prefixes, nsRooms, nsMembers = KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local usersOnline, usersAway, totals = KEYS[7], KEYS[8], KEYS[9]
local function nsSizeKey(ns) return ARGV[1] .. ns .. ARGV[2] end
local function nsNameKey(ns) return ARGV[3] .. ns .. ARGV[4] end
local function nodeRoomsKey(id) return ARGV[5] .. id .. ARGV[6] end
local function nodeUsersKey(id) return ARGV[7] .. id .. ARGV[8] end
-- How long aggregate keys live past their last change (the node set's TTL): set by the caller.
local aggregateTtl = ${NODE_SET_TTL_MS}
local function touchNamespace(ns)
  redis.call('PEXPIRE', nsSizeKey(ns), aggregateTtl)
  redis.call('PEXPIRE', nsNameKey(ns), aggregateTtl)
end

local function bump(zset, member, by)
  if tonumber(redis.call('ZINCRBY', zset, by, member)) <= 0 then redis.call('ZREM', zset, member) end
end

local function applyRoom(member, prefix, delta)
  if delta == 0 then return end
  local cut = string.find(member, NL, 1, true)
  local ns, name = string.sub(member, 1, cut - 1), string.sub(member, cut + 1)
  local before = -tonumber(redis.call('ZSCORE', bySize, member) or '0')
  local after = before + delta
  redis.call('HINCRBY', totals, 'members', delta)
  if tonumber(redis.call('HINCRBY', nsMembers, ns, delta)) <= 0 then redis.call('HDEL', nsMembers, ns) end
  if after > 0 then
    redis.call('ZADD', bySize, -after, member)
    redis.call('ZADD', nsSizeKey(ns), -after, name)
    if before <= 0 then
      redis.call('ZADD', byName, 0, name .. NL .. ns)
      redis.call('ZADD', nsNameKey(ns), 0, name)
      bump(prefixes, prefix, 1)
      bump(nsRooms, ns, 1)
    end
    touchNamespace(ns)
  elseif before > 0 then
    redis.call('ZREM', bySize, member)
    redis.call('ZREM', nsSizeKey(ns), name)
    redis.call('ZREM', byName, name .. NL .. ns)
    redis.call('ZREM', nsNameKey(ns), name)
    bump(prefixes, prefix, -1)
    bump(nsRooms, ns, -1)
  end
end

local function statusOf(o, a)
  if o > 0 then return 'o' elseif a > 0 then return 'a' end
  return false
end

local function applyUser(user, old, new)
  if old == new then return end
  local o = tonumber(redis.call('HGET', usersOnline, user) or '0')
  local a = tonumber(redis.call('HGET', usersAway, user) or '0')
  local before = statusOf(o, a)
  if old == 'o' then o = o - 1 elseif old == 'a' then a = a - 1 end
  if new == 'o' then o = o + 1 elseif new == 'a' then a = a + 1 end
  if o > 0 then redis.call('HSET', usersOnline, user, o) else redis.call('HDEL', usersOnline, user) end
  if a > 0 then redis.call('HSET', usersAway, user, a) else redis.call('HDEL', usersAway, user) end
  local after = statusOf(o, a)
  if before == after then return end
  if before == 'o' then redis.call('HINCRBY', totals, 'online', -1)
  elseif before == 'a' then redis.call('HINCRBY', totals, 'away', -1) end
  if after == 'o' then redis.call('HINCRBY', totals, 'online', 1)
  elseif after == 'a' then redis.call('HINCRBY', totals, 'away', 1) end
end

-- Takes a node's whole contribution out of the aggregates, once: the hashes go with it.
local function dropNode(id)
  local roomsKey, usersKey = nodeRoomsKey(id), nodeUsersKey(id)
  local rooms = redis.call('HGETALL', roomsKey)
  for i = 1, #rooms, 2 do
    local size, prefix = string.match(rooms[i + 1], '^(%d+):(.*)$')
    applyRoom(rooms[i], prefix, -tonumber(size))
  end
  local users = redis.call('HGETALL', usersKey)
  for i = 1, #users, 2 do applyUser(users[i], users[i + 1], false) end
  if #rooms + #users > 0 then redis.call('DEL', roomsKey, usersKey) end
end
`.trim();

/**
 * The node's whole flush in one round trip: snapshot hash, sockets delta, live mark, and its
 * aggregate changes. ARGV[9..]: node key head, tail, sockets head, tail, node id, snapshot JSON,
 * ttl ms, flushedAt, node-set ttl ms, replace sockets ('1'/'0'), aggregate mode ('whole' | 'delta'
 * | 'none'), rooms as JSON [[member, prefix, local size], …], users as JSON [[id, 'o' | 'a' | ''
 * for gone], …], then counted lists: socket upserts (id, JSON), socket removals (id).
 * A delta is applied only onto a contribution that is known intact (the snapshot hash still
 * existed); otherwise whatever is left of it is dropped and 1 is returned, so the node rewrites
 * whole. → 1 when the snapshot hash did not exist, else 0.
 */
export const FLUSH_NODE = script(
  'flush-node',
  `
local id = ARGV[13]
local nodeKey, socketsKey = ARGV[9] .. id .. ARGV[10], ARGV[11] .. id .. ARGV[12]
local ttl, setTtl = tonumber(ARGV[15]), tonumber(ARGV[17])
aggregateTtl = setTtl
local existed = redis.call('EXISTS', nodeKey) == 1
redis.call('HSET', nodeKey, 'snapshot', ARGV[14])
redis.call('PEXPIRE', nodeKey, ttl)
if ARGV[18] == '1' then redis.call('DEL', socketsKey) end
local i = 23
for _ = 1, tonumber(ARGV[22]) do
  redis.call('HSET', socketsKey, ARGV[i], ARGV[i + 1])
  i = i + 2
end
local removals = tonumber(ARGV[i])
i = i + 1
for _ = 1, removals do
  redis.call('HDEL', socketsKey, ARGV[i])
  i = i + 1
end
redis.call('PEXPIRE', socketsKey, ttl)
redis.call('ZADD', KEYS[1], ARGV[16], id)
redis.call('PEXPIRE', KEYS[1], setTtl)
local mode = ARGV[19]
if mode ~= 'none' then
  if mode == 'whole' or not existed then dropNode(id) end
  if mode == 'whole' or existed then
    local roomsKey, usersKey = nodeRoomsKey(id), nodeUsersKey(id)
    for _, room in ipairs(cjson.decode(ARGV[20])) do
      local member, prefix, size = room[1], room[2], tonumber(room[3])
      local held = redis.call('HGET', roomsKey, member)
      local old = held and tonumber(string.match(held, '^(%d+):')) or 0
      if size > 0 then redis.call('HSET', roomsKey, member, size .. ':' .. prefix)
      else redis.call('HDEL', roomsKey, member) end
      applyRoom(member, prefix, size - old)
    end
    for _, entry in ipairs(cjson.decode(ARGV[21])) do
      local user, status = entry[1], entry[2]
      local old = redis.call('HGET', usersKey, user)
      local new = status ~= '' and status or false
      if new then redis.call('HSET', usersKey, user, new) else redis.call('HDEL', usersKey, user) end
      applyUser(user, old, new)
    end
    redis.call('PEXPIRE', roomsKey, setTtl)
    redis.call('PEXPIRE', usersKey, setTtl)
  end
  for k = 2, 9 do redis.call('PEXPIRE', KEYS[k], setTtl) end
end
if existed then return 0 end
return 1
`,
);

/**
 * Every node with its snapshot (farewell when gone) and the aggregates, in one round trip; a node
 * whose snapshot expired has its contribution dropped here (idempotent: the second reader finds
 * none); the namespaces it reads have their indexes' TTL renewed. ARGV[9..]: node head, tail,
 * farewell head, tail, top rooms, labels.
 * → { flat [id, lastFlush, snapshot|nil, farewell|nil, …], [online, away, members, rooms],
 *     [prefix, rooms, …], [namespace, rooms, …], [namespace members, …], [member, −size, …] }.
 */
export const READ_CLUSTER = script(
  'read-cluster',
  `
local members = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local nodes = {}
for i = 1, #members, 2 do
  local id = members[i]
  local snapshot = redis.call('HGET', ARGV[9] .. id .. ARGV[10], 'snapshot')
  local farewell = false
  if not snapshot then
    farewell = redis.call('HGET', ARGV[11] .. id .. ARGV[12], 'snapshot')
    dropNode(id)
  end
  nodes[#nodes + 1] = id
  nodes[#nodes + 1] = members[i + 1]
  nodes[#nodes + 1] = snapshot
  nodes[#nodes + 1] = farewell
end
local top, labels = tonumber(ARGV[13]), tonumber(ARGV[14])
local t = redis.call('HMGET', totals, 'online', 'away', 'members')
local counts = { t[1] or '0', t[2] or '0', t[3] or '0', redis.call('ZCARD', bySize) }
local namespaces = redis.call('ZREVRANGE', nsRooms, 0, labels - 1, 'WITHSCORES')
local nsSizes = {}
for i = 1, #namespaces, 2 do
  nsSizes[#nsSizes + 1] = redis.call('HGET', nsMembers, namespaces[i]) or '0'
  -- A namespace whose rooms stay unchanged keeps its indexes while an edge reads it.
  touchNamespace(namespaces[i])
end
return {
  nodes,
  counts,
  redis.call('ZREVRANGE', prefixes, 0, labels - 1, 'WITHSCORES'),
  namespaces,
  nsSizes,
  redis.call('ZRANGE', bySize, 0, top - 1, 'WITHSCORES'),
}
`,
);

/**
 * One page of rooms. ARGV[9..]: namespace ('' = every one), prefix ('' = none), cursor ('' = the
 * start; an offset without a prefix, the last member listed with one), limit.
 * Without a prefix: largest first (−size, then member order) from the size index of the cluster or
 * the namespace, resumed by offset. With one: name order from the name index, resumed after the
 * last member. → { total, [member, −size, …], next cursor | nil }.
 */
export const LIST_ROOMS = script(
  'list-rooms',
  `
local ns, prefix, after, limit = ARGV[9], ARGV[10], ARGV[11], tonumber(ARGV[12])
local items = {}
if prefix == '' then
  local key = ns == '' and bySize or nsSizeKey(ns)
  local offset = tonumber(after ~= '' and after or '0')
  local rows = redis.call('ZRANGE', key, offset, offset + limit - 1, 'WITHSCORES')
  local total = redis.call('ZCARD', key)
  for i = 1, #rows, 2 do
    items[#items + 1] = ns == '' and rows[i] or (ns .. NL .. rows[i])
    items[#items + 1] = rows[i + 1]
  end
  local next = offset + #rows / 2
  return { total, items, next < total and tostring(next) or false }
end
local key = ns == '' and byName or nsNameKey(ns)
local upper = '[' .. prefix .. '\\255'
local total = redis.call('ZLEXCOUNT', key, '[' .. prefix, upper)
local from = after ~= '' and ('(' .. after) or ('[' .. prefix)
local rows = redis.call('ZRANGEBYLEX', key, from, upper, 'LIMIT', 0, limit + 1)
for i = 1, math.min(#rows, limit) do
  local member = rows[i]
  if ns == '' then
    local cut, at = nil, 1
    while true do
      local found = string.find(member, NL, at, true)
      if not found then break end
      cut, at = found, found + 1
    end
    member = string.sub(member, cut + 1) .. NL .. string.sub(member, 1, cut - 1)
  else
    member = ns .. NL .. member
  end
  items[#items + 1] = member
  items[#items + 1] = redis.call('ZSCORE', bySize, member) or '0'
end
return { total, items, #rows > limit and rows[limit] or false }
`,
);

/**
 * A node leaves: its farewell is written, its live keys go and its contribution is dropped, in one
 * round trip. ARGV[9..]: node head, tail, sockets head, tail, farewell head, tail, node id,
 * farewell JSON, farewell ttl ms, flushedAt.
 */
export const LEAVE_NODE = script(
  'leave-node',
  `
local id = ARGV[15]
local farewell = ARGV[13] .. id .. ARGV[14]
redis.call('HSET', farewell, 'snapshot', ARGV[16])
redis.call('PEXPIRE', farewell, ARGV[17])
redis.call('DEL', ARGV[9] .. id .. ARGV[10], ARGV[11] .. id .. ARGV[12])
redis.call('ZADD', KEYS[1], ARGV[18], id)
dropNode(id)
return 1
`,
);

/**
 * Removes nodes from the set with every key of theirs, contribution included. ARGV[9..]: node
 * head, tail, sockets head, tail, farewell head, tail, then either 'ids' and the ids, or 'before'
 * and a cutoff (exclusive) on the last flush. → the ids removed.
 */
export const REMOVE_NODES = script(
  'remove-nodes',
  `
local ids
if ARGV[15] == 'before' then
  ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[16])
else
  ids = {}
  for i = 16, #ARGV do ids[#ids + 1] = ARGV[i] end
end
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[1], id)
  redis.call('DEL', ARGV[9] .. id .. ARGV[10], ARGV[11] .. id .. ARGV[12], ARGV[13] .. id .. ARGV[14])
  dropNode(id)
end
return ids
`,
);
