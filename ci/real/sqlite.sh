#!/bin/sh
# sqlite.sh ROWS — the SQL script of a small real program for recording and measuring
# (make bench-record, make bench-fidelity): a table filled, indexed, queried, updated.
rows=${1:-20000}
cat <<SQL
create table t(id integer primary key, name text, body blob);
with recursive c(x) as (select 1 union all select x + 1 from c where x < $rows)
  insert into t(name, body) select 'name-' || x, randomblob(x % 900) from c;
create index t_name on t(name);
select count(*), sum(length(body)) from t where name like 'name-1%';
update t set body = randomblob(length(body) / 2 + 10) where id % 3 = 0;
delete from t where id % 5 = 0;
select count(*) from t group by length(body) % 7;
SQL
