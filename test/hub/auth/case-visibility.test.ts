/** The one case rule: a specialist opens the cases routed to one of their specialties; nobody else opens any; nobody opens a case not routed yet. */
import t from 'tap';
import { mayOpenCase, visibleCases } from '../../../hub/auth/case-visibility.js';

const cardio = { role: 'specialist' as const, specialties: ['cardiology' as const] };
const both = { role: 'specialist' as const, specialties: ['cardiology' as const, 'dermatology' as const] };

t.test('by role and specialty', async (t) => {
  t.ok(mayOpenCase(cardio, 'cardiology'));
  t.notOk(mayOpenCase(cardio, 'dermatology'), 'another specialty');
  t.notOk(mayOpenCase(cardio, undefined), 'not routed yet');
  t.ok(mayOpenCase(both, 'dermatology'));
  // An account store that somehow gave an operator a specialty still opens nothing.
  t.notOk(mayOpenCase({ role: 'operator', specialties: ['cardiology'] }, 'cardiology'), 'an operator opens no case');
  t.notOk(mayOpenCase({ role: 'admin', specialties: ['cardiology'] }, 'cardiology'), 'nor an admin');
});

t.test('a list cut to what the user may open, in its order', async (t) => {
  const routed: Record<string, 'cardiology' | 'dermatology' | undefined> = { a: 'cardiology', b: 'dermatology', c: undefined, d: 'cardiology' };
  const all = ['a', 'b', 'c', 'd'].map((caseId) => ({ postId: 'p', caseId }));
  t.same(visibleCases(cardio, all, (c) => routed[c.caseId]).map((c) => c.caseId), ['a', 'd']);
  t.same(visibleCases({ role: 'operator', specialties: [] }, all, (c) => routed[c.caseId]), []);
});
