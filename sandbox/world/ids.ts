import { createHash, randomBytes, randomUUID } from 'node:crypto';

export const guid = (): string => randomUUID();
export const hex = (bytes: number): string => randomBytes(bytes).toString('hex');
export const newDigest = (): string => `sha256:${hex(32)}`;
export const sha256Hex = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');
/** 32 hex chars: the shape of Key Vault object versions. */
export const kvVersion = (): string => hex(16);
export const iso = (ms: number): string => new Date(ms).toISOString();
/** `2025-04-13T06:54:35.111666+00:00`: how SDK-based az commands print datetimes. */
export const pyIso = (ms: number): string => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000+00:00');
/** `2025-04-09T14:59:48.7546763Z`: how AAZ / ACR pass service timestamps through. */
export const netIso = (ms: number): string => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');
export const lower = (s: string): string => s.toLowerCase();
