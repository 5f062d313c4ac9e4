// Attachment bytes → the format the caller asked for, and digests, the same for every storage.
import { sha256Hex } from '../shared/chunk/index.ts';
import { JioError } from './errors.ts';
import type {
  AttachmentData,
  AttachmentFormat,
  AttachmentFormats,
  AttachmentInfo,
} from './types.ts';

export const defaultContentType = 'application/octet-stream';

export async function attachmentDigest(bytes: Uint8Array): Promise<string> {
  return `sha256-${await sha256Hex(bytes)}`;
}

/** What every storage records of a stored attachment: type, length and digest of its bytes. */
export async function attachmentInfo(
  bytes: Uint8Array,
  data: AttachmentData,
  contentType: string | undefined,
): Promise<AttachmentInfo> {
  return {
    content_type:
      contentType ?? (data instanceof Blob && data.type !== '' ? data.type : defaultContentType),
    length: bytes.byteLength,
    digest: await attachmentDigest(bytes),
  };
}

export function formatAttachment<F extends AttachmentFormat>(
  bytes: Uint8Array,
  contentType: string,
  format: F | undefined,
): AttachmentFormats[F] {
  const result = convert(bytes, contentType, format ?? 'blob');
  return result as AttachmentFormats[F];
}

function convert(bytes: Uint8Array, contentType: string, format: AttachmentFormat): unknown {
  switch (format) {
    case 'blob':
      return new Blob([bytes as Uint8Array<ArrayBuffer>], { type: contentType });
    case 'array_buffer':
      return bytes.slice().buffer;
    case 'text':
      return new TextDecoder().decode(bytes);
    case 'json':
      try {
        return JSON.parse(new TextDecoder().decode(bytes)) as unknown;
      } catch (error) {
        throw new JioError('bad_request', `The attachment is not JSON: ${String(error)}`, {
          reason: 'invalid_json',
        });
      }
    case 'data_url':
      return `data:${contentType};base64,${base64(bytes)}`;
    default:
      throw new JioError('bad_request', `Unknown attachment format "${String(format)}"`, {
        reason: 'invalid_format',
      });
  }
}

function base64(bytes: Uint8Array): string {
  let binary = '';
  const step = 0x8000;
  for (let i = 0; i < bytes.length; i += step) {
    binary += String.fromCharCode(...bytes.subarray(i, i + step));
  }
  return btoa(binary);
}
