import type { FastifyReply, FastifyRequest } from 'fastify';
import { SESSION_COOKIE } from './credentials.js';

const attributes = (request: FastifyRequest) =>
  ({ path: '/', httpOnly: true, sameSite: 'strict', secure: request.protocol === 'https' }) as const;

export function setSessionCookie(reply: FastifyReply, request: FastifyRequest, value: string, ttlMs: number): void {
  reply.setCookie(SESSION_COOKIE, value, { ...attributes(request), maxAge: Math.floor(ttlMs / 1000) });
}

export function clearSessionCookie(reply: FastifyReply, request: FastifyRequest): void {
  reply.clearCookie(SESSION_COOKIE, attributes(request));
}
