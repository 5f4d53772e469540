/**
 * The app's own certificate at a plain address, for a phone to download and
 * install (README.md#how-a-phone-trusts-the-post). Public: a certificate is
 * public by nature and carries no patient data. DER, as
 * application/x-x509-ca-cert: the type a phone's browser hands to its
 * certificate installer.
 */
import type { FastifyInstance } from 'fastify';

export const CERTIFICATE_PATH = '/certificado.crt';

export function certificateRoute(app: FastifyInstance, der: Buffer, fileName: string): void {
  app.get(CERTIFICATE_PATH, async (_req, reply) => reply
    .header('content-type', 'application/x-x509-ca-cert')
    .header('content-disposition', `attachment; filename="${fileName}"`)
    .header('cache-control', 'no-cache')
    .send(der));
}
