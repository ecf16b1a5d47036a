/**
 * What a handler returns: the same answer for each output format. Handlers describe content;
 * the renderers in this folder decide the layout (Vault's table, its JSON envelope, YAML, -field).
 */

/** One block of table-format output, in Vault's layout (reference §9.1). */
export type Block =
  /** `== Secret Path ==`, the path, a blank line (kv_helpers.go#outputPath). */
  | { kind: 'path'; title: string; path: string }
  /** A `== Title ==` header sized for the map, then its Key/Value table (getHeaderForMap + OutputData). */
  | { kind: 'section'; title: string; map: Record<string, unknown>; blankBefore?: boolean }
  /** A Key/Value table with no header line (TableFormatter.OutputMap). */
  | { kind: 'map'; map: Record<string, unknown> }
  /** Columns with a header row and its underline (tableOutput). */
  | { kind: 'columns'; headers: string[]; rows: unknown[][] }
  /** Plain lines on stdout. */
  | { kind: 'text'; text: string }
  /** A message on stderr (e.g. "No value found at …" after a JSON `{}`). */
  | { kind: 'error'; text: string };

export type FieldLookup = { value: unknown } | { error: string; exitCode: number };

export interface CommandResult {
  /** The value printed by -format=json and yaml (Vault's envelope for KV answers); undefined prints nothing. */
  data?: unknown;
  /** Whether `data` is Vault's response envelope, whose top-level keys keep their order in JSON. */
  envelope?: boolean;
  /** Table-format output. */
  table?: Block[];
  /** Output printed as is, whatever the format (help, completion scripts, exports). */
  raw?: string;
  /** Where -field looks a name up. */
  field?: (name: string) => FieldLookup;
  /** Warnings: in the envelope for json/yaml, on stderr for table. */
  warnings?: string[];
  /** Lines for stderr in every format (notices, receipts of what could not be reached). */
  notices?: string[];
  exitCode?: number;
}

/** Vault's response envelope (api.Secret), as `vault … -format=json` prints it. */
export interface Envelope {
  request_id: string;
  lease_id: string;
  lease_duration: number;
  renewable: boolean;
  data: unknown;
  warnings: string[] | null;
  mount_type: string;
}
