import { OutboxSequenceMigration } from '#events';

/** The outbox's acknowledged stream sequences (see OutboxSequenceMigration). */
export class AddOutboxSequence1765600000000 extends OutboxSequenceMigration {
  name = 'AddOutboxSequence1765600000000';
}
