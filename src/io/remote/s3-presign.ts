/**
 * Presigned GETs and HEADs for s3:// objects, cheaply enough for one per
 * image.
 *
 * getSignedUrl runs a command's whole middleware stack and the endpoint
 * rules for every URL: more CPU than the small GET it signs (im2rec signs one
 * per image; timed in docs/guides/performance.md, "Buckets"). What it works
 * out depends only on the bucket and the method, not the key; the signing
 * itself is a few HMACs.
 * So the first URL for a bucket comes from getSignedUrl, and it is taken as
 * a template: the same scheme, host and path before the key, the same extra
 * query parameters (`x-id=GetObject`...) and signing region; the next keys'
 * URLs are that request with their key, signed by the SDK's own
 * S3RequestPresigner.
 *
 * A template is used only if it proves itself: the key it came from, signed
 * both ways at the same instant, must give the same URL, character for
 * character. Where it does not (an endpoint whose URLs are shaped otherwise,
 * a session-based auth scheme such as S3 Express's), every URL comes from
 * getSignedUrl, as before.
 */
import type { S3Client } from '@aws-sdk/client-s3';

export type Method = 'GET' | 'HEAD';

type ClientModule = typeof import('@aws-sdk/client-s3');
type PresignerModule = typeof import('@aws-sdk/s3-request-presigner');

interface Template {
  protocol: string;
  hostname: string;
  port: number | undefined;
  /** The path up to the key: `/bucket/` (path-style) or `/` (virtual-hosted). */
  base: string;
  /** Query parameters that are not the signature's own (X-Amz-*). */
  extra: Record<string, string>;
  region: string;
}

/** URI escaping as the SDK's: encodeURIComponent, and also !'()*. */
function escape(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** A key in a URL path, as the SDK's serializer writes one (each segment escaped, the slashes kept). */
function keyPath(key: string): string {
  return key.split('/').map(escape).join('/');
}

/** A signed request as a URL: the query sorted and escaped as the SDK's formatUrl does. */
function formatUrl(req: { protocol: string; hostname: string; port?: number; path: string; query?: Record<string, unknown> }): string {
  const query = Object.keys(req.query ?? {})
    .sort()
    .map((k) => `${escape(k)}=${escape(String(req.query![k]))}`)
    .join('&');
  return `${req.protocol}//${req.hostname}${req.port ? `:${req.port}` : ''}${req.path}${query ? `?${query}` : ''}`;
}

/** What a getSignedUrl URL for `key` says about every key of its bucket; null if its path does not end in the key. */
function templateOf(url: string, key: string): Template | null {
  const u = new URL(url);
  const path = keyPath(key);
  if (!u.pathname.endsWith(path)) return null;
  const extra: Record<string, string> = {};
  for (const [k, v] of u.searchParams) if (!/^x-amz-(algorithm|content-sha256|credential|date|expires|signature|signedheaders|security-token)$/i.test(k)) extra[k] = v;
  // The credential scope: KEY/DATE/REGION/SERVICE/aws4_request.
  const scope = (u.searchParams.get('X-Amz-Credential') ?? '').split('/');
  if (scope.length < 5 || scope[3] !== 's3') return null;
  return {
    protocol: u.protocol,
    hostname: u.hostname,
    port: u.port ? Number(u.port) : undefined,
    base: u.pathname.slice(0, u.pathname.length - path.length),
    extra,
    region: scope[2]!,
  };
}

export class Presigner {
  private readonly templates = new Map<string, Promise<Template | null>>();
  private readonly presigner: InstanceType<PresignerModule['S3RequestPresigner']>;

  constructor(
    private readonly client: S3Client,
    private readonly s3: ClientModule,
    private readonly sdk: PresignerModule,
    private readonly expiresIn: number,
  ) {
    this.presigner = new sdk.S3RequestPresigner({ ...client.config });
  }

  /** The SDK's own URL for an object (the slow way, always right). */
  private full(bucket: string, key: string, method: Method, signingDate?: Date): Promise<string> {
    const input = { Bucket: bucket, Key: key };
    const command = method === 'GET' ? new this.s3.GetObjectCommand(input) : new this.s3.HeadObjectCommand(input);
    return this.sdk.getSignedUrl(this.client, command, { expiresIn: this.expiresIn, ...(signingDate ? { signingDate } : {}) });
  }

  /** A template's URL for a key. */
  private async quick(t: Template, key: string, method: Method, signingDate?: Date): Promise<string> {
    const host = `${t.hostname}${t.port ? `:${t.port}` : ''}`;
    const signed = await this.presigner.presign(
      { method, protocol: t.protocol, hostname: t.hostname, port: t.port, path: t.base + keyPath(key), query: { ...t.extra }, headers: { host } },
      { expiresIn: this.expiresIn, signingRegion: t.region, ...(signingDate ? { signingDate } : {}) },
    );
    return formatUrl(signed);
  }

  /** A presigned URL for one object, valid for `expiresIn` seconds from now (or from `at`). */
  async sign(bucket: string, key: string, method: Method, at?: Date): Promise<string> {
    const slot = `${method} ${bucket}`;
    let template = this.templates.get(slot);
    if (!template) {
      // The first key of a bucket: signed the SDK's way, and the template checked against it.
      const now = at ?? new Date();
      const url = this.full(bucket, key, method, now);
      template = url.then(async (sdkUrl) => {
        const t = templateOf(sdkUrl, key);
        return t && (await this.quick(t, key, method, now).catch(() => null)) === sdkUrl ? t : null;
      });
      template.catch(() => this.templates.delete(slot)); // a failure (no credentials) is not kept
      this.templates.set(slot, template);
      return url;
    }
    const t = await template;
    return t ? this.quick(t, key, method, at) : this.full(bucket, key, method, at);
  }

  /** Whether a bucket's URLs are signed from a template (for tests). */
  async quickFor(bucket: string, method: Method): Promise<boolean> {
    return (await this.templates.get(`${method} ${bucket}`)) != null;
  }
}
