import { randomBytes } from 'node:crypto';
import type { Session } from './engine.js';
import type { SqlError } from './errors.js';
import { DoneStatus } from './tds/constants.js';
import { Reader } from './tds/reader.js';
import { skipAllHeaders } from './tds/rpc.js';
import { writeDone, writeEnvTransaction, writeMessage } from './tds/tokens.js';
import type { Writer } from './tds/writer.js';

/**
 * Transaction manager requests (MS-TDS 2.2.6.9, packet type 0x0E): how clients such as tedious
 * (`beginTransaction`), pytds and ODBC begin, commit and roll back a transaction without T-SQL. The
 * answer is an ENVCHANGE carrying the 8-byte transaction descriptor (type 8 begin, 9 commit, 10
 * rollback), then DONE. The model has nothing to undo (its only changes are BACKUP, RESTORE and ALTER
 * DATABASE, which SQL Server refuses inside a transaction), so a transaction is its descriptor.
 */
const TM = { GET_DTC_ADDRESS: 0, PROPAGATE_XACT: 1, BEGIN_XACT: 5, PROMOTE_XACT: 6, COMMIT_XACT: 7, ROLLBACK_XACT: 8, SAVE_XACT: 9 } as const;

const error = (number: number, message: string): SqlError => ({ number, class: 16, state: 1, message });

export function answerTransactionManager(w: Writer, session: Session, data: Buffer): void {
  const r = new Reader(data);
  skipAllHeaders(r);
  const request = r.u16();
  const fail = (e: SqlError): void => {
    writeMessage(w, { ...e, serverName: session.instance.name, procName: '', line: 1 });
    writeDone(w, 'DONE', DoneStatus.ERROR | DoneStatus.FINAL, 0);
  };
  const begin = (): void => {
    const descriptor = randomBytes(8);
    writeEnvTransaction(w, 8, descriptor, Buffer.alloc(0));
    session.transaction = descriptor;
  };
  switch (request) {
    case TM.BEGIN_XACT:
      begin();
      break;
    case TM.COMMIT_XACT:
    case TM.ROLLBACK_XACT: {
      const commit = request === TM.COMMIT_XACT;
      if (!session.transaction) {
        return fail(
          commit
            ? error(3902, 'The COMMIT TRANSACTION request has no corresponding BEGIN TRANSACTION.')
            : error(3903, 'The ROLLBACK TRANSACTION request has no corresponding BEGIN TRANSACTION.'),
        );
      }
      writeEnvTransaction(w, commit ? 9 : 10, Buffer.alloc(0), session.transaction);
      session.transaction = null;
      // Name (B_VARCHAR: a length in characters, then UCS-2), then fBeginXact: 1 starts the next transaction at once.
      if (r.remaining > 0) r.offset += 2 * r.u8();
      if (r.remaining > 0 && r.u8() === 1) begin();
      break;
    }
    case TM.SAVE_XACT:
      if (!session.transaction) return fail(error(628, 'Cannot issue SAVE TRANSACTION when there is no active transaction.'));
      break;
    default:
      // Distributed transactions need MS DTC, which the simulator does not run.
      return fail(error(8501, 'MSDTC on server is unavailable.'));
  }
  writeDone(w, 'DONE', DoneStatus.FINAL, 0);
}
