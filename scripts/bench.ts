// `npm run bench`: the lifecycle benchmark; `-- --peers`: Loom against BullMQ (on persistent and on
// non-persistent Redis), Agenda and a polling worker, with idle CPU and an optional `--history N`
// of finished tasks; `-- --profile`: where Loom's time goes and its MongoDB commands and broker
// messages per task. The code is in bench/ (bench/main.ts lists every option).
import '../bench/main';
