// Entry point of the embedded S3-compatible server (s3rver) that the infrastructure tool runs
// as its own background process: `node --import tsx s3-server-main.ts <port> <dir> <bucket>`.
import S3rver from 's3rver';

const [port, directory, bucket] = process.argv.slice(2);
if (!port || !directory || !bucket) {
  console.error('usage: s3-server-main <port> <directory> <bucket>');
  process.exit(2);
}
const server = new S3rver({
  address: '127.0.0.1',
  port: Number(port),
  directory,
  silent: true,
  vhostBuckets: false,
  configureBuckets: [{ name: bucket, configs: [] }],
});
server.run().then(
  () => console.log(`s3rver listening on 127.0.0.1:${port}, bucket ${bucket}, data in ${directory}`),
  (err: Error) => {
    console.error(`s3rver failed to start: ${err.message}`);
    process.exit(1);
  },
);
process.on('SIGTERM', () => server.close().finally(() => process.exit(0)));
