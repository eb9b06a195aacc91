// Shapes of the hub's JSON, as far as the pages read them.

export interface IdentificationDetails {
  description?: string | null;
  title?: string | null;
  interpretation?: string | null;
  slug?: string | null;
  source_code?: string | null;
  publication?: string | null;
  target_organisms?: string[] | null;
  biomedical_areas?: string[] | null;
}

export interface OutputColumn {
  name: string;
  type: 'float' | 'integer' | 'string';
  direction?: 'high' | 'low';
  description?: string;
}

export interface ImportResult {
  model_id: string;
  result: 'UPDATED' | 'UNCHANGED' | 'CREATED' | 'NOT_IN_CATALOG';
}

export interface ModelDetails {
  template_version?: string;
  description: string;
  disable_memory_limit: boolean;
  max_instances: number;
  execution_mode: 'SYNC' | 'ASYNC';
  k8s_resources: { cpu_request: number; cpu_limit: number | null; memory_request: number; memory_limit: number | null };
  image_tag: string;
  cache_enabled: boolean;
  identification_details?: IdentificationDetails | null;
  // Read-only, from the hub: the list answers only the count, one model also the columns;
  // both are null when the hub does not know the model's columns.
  output_column_count?: number | null;
  output_columns?: OutputColumn[] | null;
  backend?: string;
  url?: string;
}

export interface Model {
  id: string;
  enabled: boolean;
  last_updated: string | null;
  details: ModelDetails;
}

export interface Progress {
  rows_total: number;
  rows_invalid: number;
  molecules_total: number;
  molecules_done: number;
  molecules_failed: number;
  molecules_cached: number;
  percent: number;
  eta_seconds: number | null;
}

export interface WorkRequest {
  id: number;
  model_id: string;
  user_id: string;
  request_payload: { entries: string[]; cache_opt_in: boolean; has_header: boolean };
  request_date: string;
  request_status: string;
  request_status_reason: string | null;
  last_updated: string;
  processed_timestamp: string | null;
  job_submission_timestamp: string | null;
  input_size: number;
  priority?: number;
  progress?: Progress;
  columns?: string[];
  metadata?: { job_data?: { model_version?: string } };
  intake?: {
    has_header?: boolean;
    header_decided?: string;
    rejected_examples?: { row?: number; input?: string; reason?: string }[];
    [key: string]: unknown;
  };
}

export interface RowsPage {
  id: number;
  total: number;
  offset: number;
  columns: string[];
  rows: { row: number; key: string; input: string; id: string | null; error: string | null; values: unknown }[];
}

export interface Items<T> {
  items: T[];
}

export function modelTitle(m: Model): string {
  return m.details.identification_details?.title || m.id;
}

export function modelSearchText(m: Model): string {
  const d = m.details.identification_details ?? {};
  return [m.id, m.details.description, d.title, d.slug, d.interpretation, ...(d.biomedical_areas ?? []), ...(d.target_organisms ?? [])]
    .filter(Boolean).join(' ').toLowerCase();
}
