import { type ClusterKeys, clusterKeys } from '../keys/index.ts';
import { DEFAULT_ALPHA } from '../sketch/latency-sketch.ts';
import { AGGREGATE_CHUNK_ENTRIES } from './aggregates.ts';
import { NODE_SET_TTL_MS } from './codec.ts';
import { LEDGER_LABEL_PART_NAMES, LEDGER_LABEL_PARTS } from './ledger.ts';
import { keyTemplate, type LuaScript } from './scripts.ts';

/**
 * Lua for the cluster-wide aggregates (see `aggregates.ts` for the structures and why). Every
 * script that touches them takes the same leading block, so one library serves them all:
 * KEYS[1] the node set, KEYS[2..9] the aggregate keys, KEYS[10] the ledger's node counts (the
 * other ledger keys are built from it: same head, see `shared/src/keys/index.ts`); ARGV[1..8] the
 * heads and tails of the per-namespace indexes and of each node's contribution hashes. Per-node and
 * per-namespace keys are built from those templates, so they carry the cluster's hash tag like KEYS[1].
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
      keys.ledger.refs,
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
 * A node's ledger hash shares its rooms hash's head (`…:node:`): only the tail differs, and it is
 * the same for every cluster, so the scripts build it from ARGV[5] and this constant.
 */
export const NODE_LEDGER_TAIL = keyTemplate(clusterKeys('x').nodeLedger)[1];

/** `LEDGER_LABEL_PARTS` as Lua: { part, section, map } each. */
const LEDGER_SOURCES = LEDGER_LABEL_PART_NAMES.map((part) => {
  const [section, map] = LEDGER_LABEL_PARTS[part];
  return `{ '${part}', '${section}', '${map}' }`;
}).join(', ');

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

-- One command over a long argument list, in chunks (Lua's C stack bounds unpack); pairs stay whole.
local CHUNK = 500
local function batch(command, key, list)
  for from = 1, #list, CHUNK do
    redis.call(command, key, unpack(list, from, math.min(from + CHUNK - 1, #list)))
  end
end
local function batchRead(command, key, list)
  local out = {}
  for from = 1, #list, CHUNK do
    local last = math.min(from + CHUNK - 1, #list)
    local reply = redis.call(command, key, unpack(list, from, last))
    for k = 1, last - from + 1 do out[from + k - 1] = reply[k] end
  end
  return out
end
local function push(list, a, b)
  list[#list + 1] = a
  if b ~= nil then list[#list + 1] = b end
end
local function pushTo(lists, key, a, b)
  local list = lists[key]
  if not list then
    list = {}
    lists[key] = list
  end
  push(list, a, b)
end
local function add(counts, key, by) counts[key] = (counts[key] or 0) + by end

-- Changes are gathered first, net per room and per user, then written by settle() in a few batched
-- commands per key: a flush of N changes costs O(N) work but a handful of calls, not a dozen each.
local roomDelta, roomPrefix, roomOrder = {}, {}, {}
local onlineDelta, awayDelta, userOrder = {}, {}, {}

local function addRoom(member, prefix, delta)
  if delta == 0 then return end
  if roomDelta[member] == nil then
    roomDelta[member] = 0
    roomOrder[#roomOrder + 1] = member
  end
  roomDelta[member] = roomDelta[member] + delta
  roomPrefix[member] = prefix
end

-- One node's report of a user moves from old to new ('o', 'a' or false).
local function moveUser(user, old, new)
  if old == new then return end
  if onlineDelta[user] == nil then
    onlineDelta[user], awayDelta[user] = 0, 0
    userOrder[#userOrder + 1] = user
  end
  if old == 'o' then onlineDelta[user] = onlineDelta[user] - 1
  elseif old == 'a' then awayDelta[user] = awayDelta[user] - 1 end
  if new == 'o' then onlineDelta[user] = onlineDelta[user] + 1
  elseif new == 'a' then awayDelta[user] = awayDelta[user] + 1 end
end

local function bumpAll(zset, deltas)
  for member, by in pairs(deltas) do
    if by ~= 0 and tonumber(redis.call('ZINCRBY', zset, by, member)) <= 0 then
      redis.call('ZREM', zset, member)
    end
  end
end

-- A room's cluster size is the sum of its nodes' sizes; it exists (is indexed) while positive.
local function settleRooms()
  if #roomOrder == 0 then return end
  local scores = batchRead('ZMSCORE', bySize, roomOrder)
  local members, nsMemberDelta, prefixDelta, nsRoomDelta = 0, {}, {}, {}
  local sized, gone, named, unnamed = {}, {}, {}, {}
  local nsSized, nsGone, nsNamed = {}, {}, {}
  for i, member in ipairs(roomOrder) do
    local delta = roomDelta[member]
    if delta ~= 0 then
      local cut = string.find(member, NL, 1, true)
      local ns, name = string.sub(member, 1, cut - 1), string.sub(member, cut + 1)
      local before = -tonumber(scores[i] or '0')
      local after = before + delta
      members = members + delta
      add(nsMemberDelta, ns, delta)
      if after > 0 then
        push(sized, -after, member)
        pushTo(nsSized, ns, -after, name)
        if before <= 0 then
          push(named, 0, name .. NL .. ns)
          pushTo(nsNamed, ns, 0, name)
          add(prefixDelta, roomPrefix[member], 1)
          add(nsRoomDelta, ns, 1)
        end
      elseif before > 0 then
        push(gone, member)
        push(unnamed, name .. NL .. ns)
        pushTo(nsGone, ns, name)
        add(prefixDelta, roomPrefix[member], -1)
        add(nsRoomDelta, ns, -1)
      end
    end
  end
  batch('ZADD', bySize, sized)
  batch('ZREM', bySize, gone)
  batch('ZADD', byName, named)
  batch('ZREM', byName, unnamed)
  for ns, list in pairs(nsSized) do batch('ZADD', nsSizeKey(ns), list) end
  for ns, list in pairs(nsNamed) do batch('ZADD', nsNameKey(ns), list) end
  for ns, list in pairs(nsGone) do
    batch('ZREM', nsSizeKey(ns), list)
    batch('ZREM', nsNameKey(ns), list)
  end
  -- A namespace that gained or resized a room keeps its indexes as long as the cluster's.
  for ns in pairs(nsSized) do touchNamespace(ns) end
  if members ~= 0 then redis.call('HINCRBY', totals, 'members', members) end
  for ns, delta in pairs(nsMemberDelta) do
    if delta ~= 0 and tonumber(redis.call('HINCRBY', nsMembers, ns, delta)) <= 0 then
      redis.call('HDEL', nsMembers, ns)
    end
  end
  bumpAll(prefixes, prefixDelta)
  bumpAll(nsRooms, nsRoomDelta)
  roomDelta, roomPrefix, roomOrder = {}, {}, {}
end

local function statusOf(o, a)
  if o > 0 then return 'o' elseif a > 0 then return 'a' end
  return false
end

-- A user is online while some node reports them online, away while some node reports away and
-- none online: per user, how many nodes report each; totals change only when the status does.
local function settleUsers()
  if #userOrder == 0 then return end
  local online = batchRead('HMGET', usersOnline, userOrder)
  local away = batchRead('HMGET', usersAway, userOrder)
  local setOnline, dropOnline, setAway, dropAway = {}, {}, {}, {}
  local totalOnline, totalAway = 0, 0
  for i, user in ipairs(userOrder) do
    local o0, a0 = tonumber(online[i] or '0'), tonumber(away[i] or '0')
    local o, a = o0 + onlineDelta[user], a0 + awayDelta[user]
    if o ~= o0 then
      if o > 0 then push(setOnline, user, o) else push(dropOnline, user) end
    end
    if a ~= a0 then
      if a > 0 then push(setAway, user, a) else push(dropAway, user) end
    end
    local before, after = statusOf(o0, a0), statusOf(o, a)
    if before ~= after then
      if before == 'o' then totalOnline = totalOnline - 1 elseif before == 'a' then totalAway = totalAway - 1 end
      if after == 'o' then totalOnline = totalOnline + 1 elseif after == 'a' then totalAway = totalAway + 1 end
    end
  end
  batch('HSET', usersOnline, setOnline)
  batch('HDEL', usersOnline, dropOnline)
  batch('HSET', usersAway, setAway)
  batch('HDEL', usersAway, dropAway)
  if totalOnline ~= 0 then redis.call('HINCRBY', totals, 'online', totalOnline) end
  if totalAway ~= 0 then redis.call('HINCRBY', totals, 'away', totalAway) end
  onlineDelta, awayDelta, userOrder = {}, {}, {}
end

-- The cluster ledger (ledger.ts): label maps summed in sorted sets, sketches in hashes. A node's
-- contribution is its hash of '<part>' NL '<key>' → value; a flush adds what changed, a drop subtracts
-- it all once. Gathered like the room changes, written by settle().
-- KEYS[10] is '…:ledger:refs'; the label maps and sketches share its head ('…:ledger:').
local ledgerRefs = KEYS[10]
local ledgerHead = string.sub(ledgerRefs, 1, #ledgerRefs - 4)
local LEDGER_PARTS = { ${LEDGER_LABEL_PART_NAMES.map((part) => `'${part}'`).join(', ')} }
local ledgerLabels, ledgerSketches = {}, { w = ledgerHead .. 'sketch:w', k = ledgerHead .. 'sketch:k' }
for _, part in ipairs(LEDGER_PARTS) do ledgerLabels[part] = ledgerHead .. 'labels:' .. part end
local function nodeLedgerKey(id) return ARGV[5] .. id .. '${NODE_LEDGER_TAIL}' end
-- A label stays listed (even at 0: a namespace nobody is connected to) while some node reports it:
-- ledgerRefs counts, per label field, the nodes that do.
local ledgerDelta, ledgerRef, ledgerOrder = {}, {}, {}
-- ref: +1 when the node starts reporting the field, -1 when it stops, 0 otherwise.
local function addLedger(field, delta, ref)
  if delta == 0 and ref == 0 then return end
  if ledgerDelta[field] == nil then
    ledgerDelta[field], ledgerRef[field] = 0, 0
    ledgerOrder[#ledgerOrder + 1] = field
  end
  ledgerDelta[field] = ledgerDelta[field] + delta
  ledgerRef[field] = ledgerRef[field] + ref
end
local function exact(v) return string.format('%.17g', v) end

local function settleLedger()
  for _, field in ipairs(ledgerOrder) do
    local delta = ledgerDelta[field]
    local cut = string.find(field, NL, 1, true)
    local part, key = string.sub(field, 1, cut - 1), string.sub(field, cut + 1)
    local labels, sketch = ledgerLabels[part], ledgerSketches[part]
    local ref = ledgerRef[field]
    if labels and ref ~= 0 and tonumber(redis.call('HINCRBY', ledgerRefs, field, ref)) <= 0 then
      redis.call('HDEL', ledgerRefs, field)
      redis.call('ZREM', labels, key)
    elseif labels and (delta ~= 0 or ref > 0) then
      redis.call('ZINCRBY', labels, exact(delta), key)
    elseif delta ~= 0 and sketch then
      if key == 's' then
        redis.call('HINCRBYFLOAT', sketch, 's', exact(delta))
      elseif tonumber(redis.call('HINCRBY', sketch, key, exact(delta))) <= 0 then
        redis.call('HDEL', sketch, key)
      end
    end
  end
  ledgerDelta, ledgerRef, ledgerOrder = {}, {}, {}
end

-- Every flush renews the ledger's keys and the node's share, changed or not, like the node set:
-- a share that expired while its sums stayed could never be subtracted.
local function touchLedger(id)
  redis.call('PEXPIRE', ledgerRefs, aggregateTtl)
  for _, key in pairs(ledgerLabels) do redis.call('PEXPIRE', key, aggregateTtl) end
  for _, key in pairs(ledgerSketches) do redis.call('PEXPIRE', key, aggregateTtl) end
  redis.call('PEXPIRE', nodeLedgerKey(id), aggregateTtl)
end

-- What a snapshot adds to the ledger (ledgerOf in ledger.ts); nothing for one that is not this
-- edge's version or not this node's.
local LEDGER_ALPHA = ${DEFAULT_ALPHA}
local function ledgerEntries(s, id)
  local out = {}
  if type(s) ~= 'table' or s.v ~= 2 or type(s.node) ~= 'table' or s.node.id ~= id then return out end
  local function labels(part, map)
    if type(map) ~= 'table' then return end
    for label, v in pairs(map) do
      if type(v) == 'number' and v >= 0 then out[part .. NL .. label] = v end
    end
  end
  for _, source in ipairs({ ${LEDGER_SOURCES} }) do
    local section = s[source[2]]
    if type(section) == 'table' then labels(source[1], section[source[3]]) end
  end
  local latency = type(s.latency) == 'table' and s.latency or {}
  for part, name in pairs({ w = 'window', k = 'cumulative' }) do
    local d = latency[name]
    if type(d) == 'table' and d.a == LEDGER_ALPHA and type(d.n) == 'number' and d.n > 0
      and type(d.b) == 'table' and type(d.o) == 'number' then
      out[part .. NL .. 'n'] = d.n
      out[part .. NL .. 's'] = d.sum
      if type(d.z) == 'number' and d.z > 0 then out[part .. NL .. 'z'] = d.z end
      for i, count in ipairs(d.b) do
        if type(count) == 'number' and count > 0 then out[part .. NL .. tostring(d.o + i - 1)] = count end
      end
    end
  end
  return out
end

-- The node's contribution becomes what its snapshot says: only the difference is written.
local function foldLedger(id, s)
  local key = nodeLedgerKey(id)
  local held = redis.call('HGETALL', key)
  local old = {}
  for i = 1, #held, 2 do old[held[i]] = tonumber(held[i + 1]) end
  local set, unset = {}, {}
  for field, v in pairs(ledgerEntries(s, id)) do
    local was = old[field]
    if was ~= v then
      addLedger(field, v - (was or 0), was == nil and 1 or 0)
      push(set, field, exact(v))
    end
    old[field] = nil
  end
  for field, was in pairs(old) do
    addLedger(field, -was, -1)
    push(unset, field)
  end
  batch('HSET', key, set)
  batch('HDEL', key, unset)
end

local function dropLedger(id)
  local key = nodeLedgerKey(id)
  local held = redis.call('HGETALL', key)
  for i = 1, #held, 2 do addLedger(held[i], -tonumber(held[i + 1]), -1) end
  if #held > 0 then redis.call('DEL', key) end
end

-- The pulse the edge reads every tick (PULSE_FIELDS in schema/pulse.ts, same order).
local function pulseOf(s)
  local n, c, g, p, infra, lat = s.node, s.counters, s.gauges, s.presence, s.infra, s.latency
  local refused = 0
  if type(c.refusedConnections) == 'table' then
    for _, v in pairs(c.refusedConnections) do
      if type(v) == 'number' then refused = refused + v end
    end
  end
  return cjson.encode({
    s.v, n.id, n.cluster, n.version, n.hostname, n.mode, n.startedAt, n.flushedAt,
    infra.uptimeSec, g.connections, c.connects, c.disconnects, c.eventsIn, c.eventsOut, c.errors,
    c.authFailures, c.rateLimited, c.invalidPayloads, refused, p.online, p.away, p.staleClients,
    infra.memory.rss, infra.memory.heapUsed, infra.cpuPercent, infra.eventLoop.p99Ms,
    infra.redis.connected, infra.redis.latencyMs,
    lat.window.min, lat.window.max, lat.cumulative.min, lat.cumulative.max,
  })
end

-- Writes every change gathered since the last settle.
local function settle()
  settleRooms()
  settleUsers()
  settleLedger()
end

local function contributionSize(id)
  return redis.call('HLEN', nodeRoomsKey(id)) + redis.call('HLEN', nodeUsersKey(id))
end

-- One contribution entry out of the gathered changes: a room ('<size>:<prefix>') or a user.
local function subtract(isRooms, field, value)
  if isRooms then
    local size, prefix = string.match(value, '^(%d+):(.*)$')
    addRoom(field, prefix, -tonumber(size))
  else
    moveUser(field, value, false)
  end
end

-- Takes a node's whole contribution out of the aggregates, once: the hashes go with it. The
-- subtraction is gathered, so a whole rewrite right after nets out what did not change. A
-- contribution of more than DROP_BUDGET entries is left alone (→ false): the caller drops it in
-- chunks with DROP_CONTRIBUTION, so no script holds Redis for a whole large node.
local DROP_BUDGET = ${AGGREGATE_CHUNK_ENTRIES}
local function dropNode(id)
  if contributionSize(id) > DROP_BUDGET then return false end
  dropLedger(id)
  local roomsKey, usersKey = nodeRoomsKey(id), nodeUsersKey(id)
  local rooms = redis.call('HGETALL', roomsKey)
  for i = 1, #rooms, 2 do subtract(true, rooms[i], rooms[i + 1]) end
  local users = redis.call('HGETALL', usersKey)
  for i = 1, #users, 2 do subtract(false, users[i], users[i + 1]) end
  if #rooms + #users > 0 then redis.call('DEL', roomsKey, usersKey) end
  return true
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
 * whole. → 1 when the snapshot hash did not exist, else 0; 2 when a contribution too large for one
 * script has to be dropped first (nothing written: drop it with DROP_CONTRIBUTION, then retry).
 */
export const FLUSH_NODE = script(
  'flush-node',
  `
local id = ARGV[13]
local nodeKey, socketsKey = ARGV[9] .. id .. ARGV[10], ARGV[11] .. id .. ARGV[12]
local ttl, setTtl = tonumber(ARGV[15]), tonumber(ARGV[17])
aggregateTtl = setTtl
local existed = redis.call('EXISTS', nodeKey) == 1
local mode = ARGV[19]
-- A large contribution to drop first: nothing is written; the caller drops it in chunks and retries.
if mode ~= 'none' and (mode == 'whole' or not existed) and contributionSize(id) > DROP_BUDGET then
  return 2
end
-- The pulse beside the snapshot, and the node's share of the ledger, both from the snapshot.
local decoded, snapshot = pcall(cjson.decode, ARGV[14])
if not decoded then snapshot = nil end
local pulsed, pulse = pcall(pulseOf, snapshot)
redis.call('HSET', nodeKey, 'snapshot', ARGV[14], 'pulse', pulsed and pulse or '[]')
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
if mode ~= 'none' then
  if mode == 'whole' or not existed then dropNode(id) end
  if mode == 'whole' or existed then
    local roomsKey, usersKey = nodeRoomsKey(id), nodeUsersKey(id)
    local rooms, names = cjson.decode(ARGV[20]), {}
    for k, room in ipairs(rooms) do names[k] = room[1] end
    local held = batchRead('HMGET', roomsKey, names)
    local keep, drop = {}, {}
    for k, room in ipairs(rooms) do
      local member, prefix, size = room[1], room[2], tonumber(room[3])
      local old = held[k] and tonumber(string.match(held[k], '^(%d+):')) or 0
      if size > 0 then push(keep, member, size .. ':' .. prefix) else push(drop, member) end
      addRoom(member, prefix, size - old)
    end
    batch('HSET', roomsKey, keep)
    batch('HDEL', roomsKey, drop)
    local users, ids = cjson.decode(ARGV[21]), {}
    for k, entry in ipairs(users) do ids[k] = entry[1] end
    local was = batchRead('HMGET', usersKey, ids)
    local set, unset = {}, {}
    for k, entry in ipairs(users) do
      local new = entry[2] ~= '' and entry[2] or false
      if new then push(set, entry[1], new) else push(unset, entry[1]) end
      moveUser(entry[1], was[k] or false, new)
    end
    batch('HSET', usersKey, set)
    batch('HDEL', usersKey, unset)
    redis.call('PEXPIRE', roomsKey, setTtl)
    redis.call('PEXPIRE', usersKey, setTtl)
  end
  for k = 2, 9 do redis.call('PEXPIRE', KEYS[k], setTtl) end
end
-- After any drop above, so the ledger holds this snapshot's share whatever happened to the rest.
foldLedger(id, snapshot)
settle()
touchLedger(id)
if existed then return 0 end
return 1
`,
);

/**
 * Every node with its pulse (farewell snapshot when gone), the aggregates and the ledger, in one
 * round trip; a node whose snapshot expired has its contribution dropped here (idempotent: the
 * second reader finds none); the namespaces it reads have their indexes' TTL renewed. ARGV[9..]:
 * node head, tail, farewell head, tail, top rooms, labels.
 * → { flat [id, lastFlush, pulse|nil, farewell|nil, …] (pulse '' for a snapshot written without
 *     one), [online, away, members, rooms], [prefix, rooms, …], [namespace, rooms, …],
 *     [namespace members, …], [member, −size, …],
 *     [lost nodes whose contribution is too large to drop here: DROP_CONTRIBUTION, then read again],
 *     per ledger label map (LEDGER_LABEL_PART_NAMES order) [distinct labels, [label, count, …]
 *     largest first],
 *     the window sketch's sums [field, value, …], the cumulative one's }.
 */
export const READ_CLUSTER = script(
  'read-cluster',
  `
local members = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local nodes, pending = {}, {}
for i = 1, #members, 2 do
  local id = members[i]
  local nodeKey = ARGV[9] .. id .. ARGV[10]
  local pulse = redis.call('HGET', nodeKey, 'pulse')
  if not pulse and redis.call('EXISTS', nodeKey) == 1 then pulse = '' end
  local farewell = false
  if not pulse then
    farewell = redis.call('HGET', ARGV[11] .. id .. ARGV[12], 'snapshot')
    if not dropNode(id) then pending[#pending + 1] = id end
  end
  nodes[#nodes + 1] = id
  nodes[#nodes + 1] = members[i + 1]
  nodes[#nodes + 1] = pulse
  nodes[#nodes + 1] = farewell
end
settle()
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
local ledgerLabelsRead = {}
for _, part in ipairs(LEDGER_PARTS) do
  ledgerLabelsRead[#ledgerLabelsRead + 1] = {
    redis.call('ZCARD', ledgerLabels[part]),
    redis.call('ZREVRANGE', ledgerLabels[part], 0, labels - 1, 'WITHSCORES'),
  }
end
return {
  nodes,
  counts,
  redis.call('ZREVRANGE', prefixes, 0, labels - 1, 'WITHSCORES'),
  namespaces,
  nsSizes,
  redis.call('ZRANGE', bySize, 0, top - 1, 'WITHSCORES'),
  pending,
  ledgerLabelsRead,
  redis.call('HGETALL', ledgerSketches.w),
  redis.call('HGETALL', ledgerSketches.k),
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
 * farewell JSON, farewell ttl ms, flushedAt. → 1; 2 when the contribution is too large for one
 * script (nothing written: drop it with DROP_CONTRIBUTION, then retry).
 */
export const LEAVE_NODE = script(
  'leave-node',
  `
local id = ARGV[15]
if contributionSize(id) > DROP_BUDGET then return 2 end
local farewell = ARGV[13] .. id .. ARGV[14]
redis.call('HSET', farewell, 'snapshot', ARGV[16])
redis.call('PEXPIRE', farewell, ARGV[17])
redis.call('DEL', ARGV[9] .. id .. ARGV[10], ARGV[11] .. id .. ARGV[12])
redis.call('ZADD', KEYS[1], ARGV[18], id)
dropNode(id)
settle()
return 1
`,
);

/**
 * Removes nodes from the set with every key of theirs, contribution included. ARGV[9..]: node
 * head, tail, sockets head, tail, farewell head, tail, then either 'ids' and the ids, or 'before'
 * and a cutoff (exclusive) on the last flush. → { the ids removed, those whose contribution is too
 * large to drop here: their keys are gone but they stay in the set until DROP_CONTRIBUTION has
 * dropped it and they are removed again }.
 */
export const REMOVE_NODES = script(
  'remove-nodes',
  `
local ids, pending = nil, {}
if ARGV[15] == 'before' then
  ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[16])
else
  ids = {}
  for i = 16, #ARGV do ids[#ids + 1] = ARGV[i] end
end
local removed = {}
for _, id in ipairs(ids) do
  redis.call('DEL', ARGV[9] .. id .. ARGV[10], ARGV[11] .. id .. ARGV[12], ARGV[13] .. id .. ARGV[14])
  -- Too large to drop here: it stays in the node set, lost, until its contribution is gone, so a
  -- read finishes the drop if this caller does not.
  if dropNode(id) then
    redis.call('ZREM', KEYS[1], id)
    removed[#removed + 1] = id
  else
    pending[#pending + 1] = id
  end
end
settle()
return { removed, pending }
`,
);

/**
 * Drops up to a budget of a node's contribution (rooms first, then users), for a contribution too
 * large to drop in one script. Each entry is subtracted once: it is deleted as it is taken, and an
 * entry HSCAN returns twice (it may, across a rehash) is skipped. ARGV[9..]: node id, budget.
 * → the entries left (0: done).
 */
export const DROP_CONTRIBUTION = script(
  'drop-contribution',
  `
local id, budget = ARGV[9], tonumber(ARGV[10])
local dropped = 0
for _, part in ipairs({ { nodeRoomsKey(id), true }, { nodeUsersKey(id), false } }) do
  local key, isRooms = part[1], part[2]
  local cursor, seen = '0', {}
  repeat
    local reply = redis.call('HSCAN', key, cursor, 'COUNT', 500)
    cursor = reply[1]
    local entries, taken = reply[2], {}
    for i = 1, #entries, 2 do
      if dropped >= budget then break end
      if not seen[entries[i]] then
        seen[entries[i]] = true
        subtract(isRooms, entries[i], entries[i + 1])
        taken[#taken + 1] = entries[i]
        dropped = dropped + 1
      end
    end
    batch('HDEL', key, taken)
  until cursor == '0' or dropped >= budget
end
settle()
return contributionSize(id)
`,
);
