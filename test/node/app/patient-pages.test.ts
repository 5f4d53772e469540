/** Patient pages through inject: field errors keep what was typed, accent-less search, escaping, audited access. */
import t from 'tap';
import { form, nurseApp, PATIENT, register } from './nurse-app.js';

t.test('register: a bad DNI comes back as a field error with everything typed kept', async (t) => {
  const { app, audit } = await nurseApp(t);
  const blank = await app.inject({ method: 'GET', url: '/pacientes/nuevo' });
  t.equal(blank.statusCode, 200);
  t.match(blank.body, /<label for="f-docNumber">Número de documento/);
  const res = await app.inject(form('POST', '/pacientes', { ...PATIENT, docNumber: '4012345' }));
  t.equal(res.statusCode, 400);
  t.match(res.body, /<p class="field-error" id="docNumber-err" role="alert">El DNI tiene 8 números.<\/p>/);
  t.match(res.body, /id="f-docNumber" name="docNumber" type="text" value="4012345" required aria-required="true" inputmode="numeric" pattern="\[0-9\]\*" aria-invalid="true" aria-describedby="docNumber-hint docNumber-err"/);
  t.match(res.body, /name="names" type="text" value="María"/, 'the name typed is still there');
  t.match(res.body, /<option value="F" selected>Femenino/);
  t.match(res.body, /role="alert">Revise los datos marcados./);
  t.same(audit, [], 'nothing was created, nothing logged');
  const en = await app.inject({ ...form('POST', '/pacientes', { ...PATIENT, docNumber: '4012345' }), headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'en' } });
  t.match(en.body, /A DNI has 8 digits./, 'in English for an English browser');
});

t.test('register, find without accents, view, edit; each access logged', async (t) => {
  const { app, audit } = await nurseApp(t);
  const id = await register(app);
  t.same(audit.at(-1), { actor: 'rosa', action: 'patient.create', target: id });
  const dup = await app.inject(form('POST', '/pacientes', { ...PATIENT, names: 'Otra' }));
  t.equal(dup.statusCode, 400);
  t.match(dup.body, /Ya hay un paciente con este documento/);

  const found = await app.inject({ method: 'GET', url: '/pacientes?q=maria%20huaman' });
  t.match(found.body, new RegExp(`<a href="/pacientes/${id}">Quispe Huamán, María</a>`));
  t.match(found.body, /Encontrados: 1/);
  t.same(audit.at(-1), { actor: 'rosa', action: 'patient.search', detail: { shown: [id], count: 1 } }, 'the rows shown, never what was typed');
  t.match((await app.inject({ method: 'GET', url: '/pacientes?q=40123456' })).body, /Quispe Huamán, María/, 'by DNI');
  t.match((await app.inject({ method: 'GET', url: '/pacientes?q=pedro' })).body, /No se encontró ningún paciente/);
  t.match((await app.inject({ method: 'GET', url: '/pacientes' })).body, /Atendidos hace poco[\s\S]*Quispe Huamán, María/, 'recent list');
  t.same(audit.at(-1), { actor: 'rosa', action: 'patient.list', detail: { shown: [id], count: 1 } }, 'the recent list is a read too');

  const page = await app.inject({ method: 'GET', url: `/pacientes/${id}?ok=created` });
  t.equal(page.statusCode, 200);
  t.match(page.body, /<h1>Quispe Huamán, María<\/h1>/);
  t.match(page.body, /role="status">Paciente registrado./);
  t.match(page.body, new RegExp(`<form method="post" action="/pacientes/${id}/casos"><input type="hidden" name="clave" value="[0-9a-f-]{36}"><button>Nuevo caso</button>`), "the new-case button carries an idempotency key");
  t.match(page.body, /Todavía no tiene casos/);
  t.same(audit.at(-1), { actor: 'rosa', action: 'patient.view', target: id });

  const edit = await app.inject({ method: 'GET', url: `/pacientes/${id}/editar` });
  t.match(edit.body, /name="birthDate" type="date" value="1987-03-14"/);
  const bad = await app.inject(form('POST', `/pacientes/${id}/editar`, { ...PATIENT, birthDate: '', estimatedAgeYears: '' }));
  t.equal(bad.statusCode, 400);
  t.match(bad.body, /Escriba la fecha de nacimiento o, si no se sabe, la edad aproximada./);
  const ok = await app.inject(form('POST', `/pacientes/${id}/editar`, { ...PATIENT, birthDate: '', estimatedAgeYears: '39', phone: '984 123 456' }));
  t.equal(ok.statusCode, 303);
  t.same(audit.at(-1), { actor: 'rosa', action: 'patient.update', target: id });
  t.match((await app.inject({ method: 'GET', url: `/pacientes/${id}` })).body, /39 años \(aprox.\)[\s\S]*984 123 456/);
  t.equal((await app.inject({ method: 'GET', url: '/pacientes/00000000-0000-0000-0000-000000000000' })).statusCode, 404);
});

t.test('a patient named <script> is shown as text everywhere', async (t) => {
  const { app } = await nurseApp(t);
  const id = await register(app, { ...PATIENT, names: '<script>alert(1)</script>', surnames: '"><img src=x onerror=alert(2)>', community: "O'Higgins & <b>" });
  const pages = [`/pacientes/${id}`, '/pacientes', '/pacientes?q=script', `/pacientes/${id}/editar`];
  for (const url of pages) {
    const body = (await app.inject({ method: 'GET', url })).body;
    t.notMatch(body, /<script>alert/, `${url}: no live script`);
    t.notMatch(body, /<img src=x/, `${url}: no live tag`);
    t.match(body, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/, `${url}: shown as text`);
  }
  t.match((await app.inject({ method: 'GET', url: `/pacientes/${id}` })).body, /O&#39;Higgins &amp; &lt;b&gt;/);
  const back = await app.inject(form('POST', '/pacientes', { ...PATIENT, names: '<script>x</script>', docNumber: '1' }));
  t.match(back.body, /value="&lt;script&gt;x&lt;\/script&gt;"/, 'a re-rendered form escapes what was typed');
});
