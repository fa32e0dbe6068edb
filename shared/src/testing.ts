/** Fixtures for tests: valid, realistic node snapshots and store records. Not for production code. */
export { type SnapshotOverrides, sampleRecord, sampleSnapshot } from './merge/fixtures.ts';
export { clusterViewFixture, type NodeFixture } from './schema/cluster-fixture.ts';
export { recordedAcks } from './store/recorded-acks.ts';
