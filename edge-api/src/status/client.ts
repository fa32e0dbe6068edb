import type { Incident, IncidentInput, IncidentUpdateInput } from './incidents.ts';
import type { WindowResult } from './keeper.ts';
import type { MaintenanceWindow, MaintenanceWindowInput } from './maintenance.ts';
import type { StatusReport } from './report.ts';

/** What the status routes ask the aggregator (in-process on Node, RPC to the Durable Object on Workers). */
export interface StatusClient {
  statusReport(): Promise<StatusReport>;
  /** Newest first. */
  incidents(limit: number): Promise<Incident[]>;
  announceIncident(input: IncidentInput, actor: string): Promise<Incident>;
  /** Null: no incident with that id. */
  updateIncident(id: string, input: IncidentUpdateInput, actor: string): Promise<Incident | null>;
  maintenanceWindows(): Promise<MaintenanceWindow[]>;
  addMaintenanceWindow(input: MaintenanceWindowInput, actor: string): Promise<WindowResult>;
  /** False: no window with that id. */
  removeMaintenanceWindow(id: string): Promise<boolean>;
}
