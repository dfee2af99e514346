// `npm run bench`: the lifecycle benchmark; `-- --peers`: Loom against BullMQ, Agenda and a polling
// worker; `-- --profile`: where Loom's time goes. The code is in bench/ (bench/main.ts says more).
import '../bench/main';
