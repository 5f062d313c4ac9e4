// Where the scale-out lake keeps its bytes: one bucket (and optionally a key prefix inside it)
// of any S3-compatible object store, named by FIELDLAKE_S3_* environment variables. Each
// instance of a scale-out lake is configured the same way and shares the bucket.

/** An S3-compatible bucket for the blob store (openS3BlobStore). */
export interface S3Config {
  /**
   * The store's base URL (`http(s)://host[:port]`) for anything but AWS S3 itself (MinIO,
   * Ceph, R2, …); absent: AWS S3 in `region`.
   */
  endpoint?: string;
  /** The region to sign for; S3-compatible stores mostly accept any (`us-east-1`). */
  region: string;
  bucket: string;
  /** Keys are placed under this prefix (`lake-a` → `lake-a/objects/…`); absent: the root. */
  prefix?: string;
  /**
   * Static credentials (both or neither). Neither: the AWS SDK's default chain (AWS_* variables,
   * shared config files, an instance or task role).
   */
  accessKeyId?: string;
  secretAccessKey?: string;
  /**
   * `https://endpoint/bucket/key` instead of `https://bucket.endpoint/key`. Most self-hosted
   * stores need it; default: true when an endpoint is given, else false.
   */
  forcePathStyle?: boolean;
}

export const S3_ENV = {
  endpoint: 'FIELDLAKE_S3_ENDPOINT',
  region: 'FIELDLAKE_S3_REGION',
  bucket: 'FIELDLAKE_S3_BUCKET',
  prefix: 'FIELDLAKE_S3_PREFIX',
  accessKeyId: 'FIELDLAKE_S3_ACCESS_KEY_ID',
  secretAccessKey: 'FIELDLAKE_S3_SECRET_ACCESS_KEY',
  forcePathStyle: 'FIELDLAKE_S3_FORCE_PATH_STYLE',
} as const;

/** A bad S3 configuration: the message names the setting and what is wrong with it. */
export class S3ConfigError extends Error {
  override name = 'S3ConfigError';
}

// AWS's rules for new bucket names (S3-compatible stores accept a subset or the same): 3–63
// lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit.
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const REGION_NAME = /^[A-Za-z0-9-]{1,64}$/;

/**
 * Checks a configuration and fills in its defaults: the same rules whether it came from the
 * environment or from code. Throws S3ConfigError naming the first bad setting.
 */
export function normalizeS3Config(config: S3Config, names: Partial<typeof S3_ENV> = {}): S3Config {
  const label = (key: keyof typeof S3_ENV): string => names[key] ?? key;
  const { endpoint, region, bucket, accessKeyId, secretAccessKey } = config;
  if (endpoint !== undefined) {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw new S3ConfigError(`${label('endpoint')} is not a URL: ${JSON.stringify(endpoint)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new S3ConfigError(
        `${label('endpoint')} must be an http:// or https:// URL, got ${JSON.stringify(endpoint)}`,
      );
    }
  }
  if (!REGION_NAME.test(region)) {
    throw new S3ConfigError(
      `${label('region')} must be a region name such as us-east-1, got ${JSON.stringify(region)}`,
    );
  }
  if (!BUCKET_NAME.test(bucket) || bucket.includes('..')) {
    throw new S3ConfigError(
      `${label('bucket')} must be a bucket name (3-63 lowercase letters, digits, dots and hyphens), got ${JSON.stringify(bucket)}`,
    );
  }
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    throw new S3ConfigError(
      `${label('accessKeyId')} and ${label('secretAccessKey')} go together: set both or neither`,
    );
  }
  if (accessKeyId === '' || secretAccessKey === '') {
    throw new S3ConfigError(`${label('accessKeyId')} and ${label('secretAccessKey')} are empty`);
  }
  const prefix = normalizePrefix(config.prefix, label('prefix'));
  return {
    ...(endpoint === undefined ? {} : { endpoint }),
    region,
    bucket,
    ...(prefix === '' ? {} : { prefix }),
    ...(accessKeyId === undefined || secretAccessKey === undefined
      ? {}
      : { accessKeyId, secretAccessKey }),
    forcePathStyle: config.forcePathStyle ?? endpoint !== undefined,
  };
}

/**
 * A prefix as `a/b` (no slash at either end), or '' for none. Its segments are plain names:
 * an empty, `.` or `..` segment would be a key that some stores and every filesystem-backed
 * tool (s3fs, rclone, a backup to disk) read differently.
 */
function normalizePrefix(prefix: string | undefined, label: string): string {
  if (prefix === undefined) return '';
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  if (trimmed === '') return '';
  for (const segment of trimmed.split('/')) {
    if (segment === '' || segment === '.' || segment === '..' || !/^[\x21-\x7e]+$/.test(segment)) {
      throw new S3ConfigError(
        `${label} must be slash-separated names of printable ASCII without empty, . or .. parts, got ${JSON.stringify(prefix)}`,
      );
    }
  }
  return trimmed;
}

function parseBoolean(name: string, text: string): boolean {
  const value = text.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  throw new S3ConfigError(`${name} must be true or false, got ${JSON.stringify(text)}`);
}

/**
 * The S3 configuration named by FIELDLAKE_S3_* variables, or undefined when none of them is set
 * (the lake then keeps its bytes on the local filesystem). Setting any of them asks for S3, so
 * a missing FIELDLAKE_S3_BUCKET is then an error, as is any invalid value (S3ConfigError).
 * FIELDLAKE_S3_REGION defaults to us-east-1 only with FIELDLAKE_S3_ENDPOINT (S3-compatible
 * stores ignore it); for AWS S3 it must be said.
 */
export function s3ConfigFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): S3Config | undefined {
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  if (Object.values(S3_ENV).every((name) => read(name) === undefined)) return undefined;

  const bucket = read(S3_ENV.bucket);
  if (bucket === undefined) {
    const set = Object.values(S3_ENV).filter((name) => read(name) !== undefined);
    throw new S3ConfigError(
      `${S3_ENV.bucket} is not set (but ${set.join(', ')} is): which bucket?`,
    );
  }
  const endpoint = read(S3_ENV.endpoint);
  const region = read(S3_ENV.region) ?? (endpoint === undefined ? undefined : 'us-east-1');
  if (region === undefined) {
    throw new S3ConfigError(
      `${S3_ENV.region} is not set: AWS S3 needs the bucket's region (or set ${S3_ENV.endpoint} for another S3-compatible store)`,
    );
  }
  const pathStyle = read(S3_ENV.forcePathStyle);
  const accessKeyId = read(S3_ENV.accessKeyId);
  const secretAccessKey = read(S3_ENV.secretAccessKey);
  const prefix = read(S3_ENV.prefix);
  return normalizeS3Config(
    {
      ...(endpoint === undefined ? {} : { endpoint }),
      region,
      bucket,
      ...(prefix === undefined ? {} : { prefix }),
      ...(accessKeyId === undefined ? {} : { accessKeyId }),
      ...(secretAccessKey === undefined ? {} : { secretAccessKey }),
      ...(pathStyle === undefined
        ? {}
        : { forcePathStyle: parseBoolean(S3_ENV.forcePathStyle, pathStyle) }),
    },
    S3_ENV,
  );
}
