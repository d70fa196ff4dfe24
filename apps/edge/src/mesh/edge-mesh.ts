// How the edge calls services: reads and writes each with their own deadline. Retries, circuit
// breakers and idempotent write replays are layered here, in one place, not in controllers.
import { Inject, Injectable } from '@nestjs/common';
import type { RequestOf, ReplyOf, RequestSubject } from '#contracts';
import { MeshClient } from '#mesh';
import { EDGE_CONFIG, type EdgeConfig } from '../edge.config.js';

@Injectable()
export class EdgeMesh {
  constructor(
    @Inject(MeshClient) private readonly client: MeshClient,
    @Inject(EDGE_CONFIG) private readonly config: EdgeConfig,
  ) {}

  /** A query: short deadline. */
  read<K extends RequestSubject>(subject: K, data: RequestOf<K>): Promise<ReplyOf<K>> {
    return this.client.request(subject, data, { timeoutMs: this.config.READ_TIMEOUT_MS });
  }

  /** A command: a longer deadline (it may hash a password or write rows). */
  write<K extends RequestSubject>(subject: K, data: RequestOf<K>): Promise<ReplyOf<K>> {
    return this.client.request(subject, data, { timeoutMs: this.config.WRITE_TIMEOUT_MS });
  }
}
