import { describe, expect, it } from 'vitest';
import { completeCommand } from '../../src/ui/complete.js';

const names = { databases: ['BizTalkDTADb', 'BizTalkMgmtDb', 'BizTalkMsgBoxDb', "Sales ]Q'4 Björn", 'SSODB'], instances: ['BTSSQL01', 'BTSDR01', 'AXSQL01'] };

describe('Tab in the : prompt', () => {
  it('completes the verb, then a name as far as every candidate agrees, and lists what is left', () => {
    expect(completeCommand('d', names)).toEqual({ text: 'db ', choices: [] });
    expect(completeCommand('db biz', names)).toEqual({ text: 'db BizTalk', choices: ['BizTalkDTADb', 'BizTalkMgmtDb', 'BizTalkMsgBoxDb'] });
    expect(completeCommand('db BizTalkM', names)).toEqual({ text: 'db BizTalkM', choices: ['BizTalkMgmtDb', 'BizTalkMsgBoxDb'] });
    expect(completeCommand('db bizTalkMs', names)).toEqual({ text: 'db BizTalkMsgBoxDb', choices: [] });
    expect(completeCommand('db sales', names)).toEqual({ text: "db Sales ]Q'4 Björn", choices: [] });
    expect(completeCommand('instance bts', names)).toEqual({ text: 'instance BTS', choices: ['BTSDR01', 'BTSSQL01'] });
    expect(completeCommand('sort ex', names)).toEqual({ text: 'sort exposure', choices: [] });
    expect(completeCommand('group i', names)).toEqual({ text: 'group instance', choices: [] });
    expect(completeCommand('db nothing', names)).toEqual({ text: 'db nothing', choices: [] });
    expect(completeCommand('frob x', names)).toEqual({ text: 'frob x', choices: [] });
  });
});
